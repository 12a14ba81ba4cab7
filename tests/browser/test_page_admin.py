"""A page in the admin (the post editor without filing) and at the site root; takes the
screenshot docs/site-owners.md shows (`site-page-admin`, see tests/browser/shots.py)."""

import pytest

from blog.models import Post
from blog.services import post_create
from pages.models import Page
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import EditorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """We are a small newsroom by the harbour.

## Write to us

- **Post:** 1 Quay Street, Harbourtown
- **E-mail:** desk@example.org
"""


def test_a_page_in_the_editor_and_on_the_site(log_in, live_server):
    editor = EditorFactory(username="ed", password=PASSWORD, display_name="Eddie Editor")
    page = post_create(
        post=Page(),
        data={"title": "Contact", "body": BODY, "author": editor, "status": Post.Status.DRAFT},
        user=editor,
    )
    tab = log_in("ed")
    tab.goto(f"{live_server.url}/admin/pages/page/{page.pk}/change/")
    tab.locator(".preview-body strong", has_text="Post:").wait_for()  # the live preview
    assert tab.locator("#id_category").count() == 0 and tab.locator("#id_tags").count() == 0
    assert tab.locator("#id_cover_image").count() == 1
    shoot(tab, "site-page-admin")
    tab.locator('button[name="_action"][value="publish"]').click()
    tab.locator(".messagelist").wait_for()
    tab.goto(f"{live_server.url}/contact/")
    assert tab.locator("h1").inner_text() == "Contact"
    assert tab.locator(".post-body h2").inner_text() == "Write to us"
