"""A reader and an editor in headless Chromium (Debian's, driven by Playwright).

The reader opens the home page, follows a post and searches from the header; the editor
logs into the admin and publishes a draft, which then shows on the home page.
"""

from pathlib import Path

import pytest
from django.db import connections

from blog.models import Post
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip
PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip("Chromium missing: apt-get install chromium (scripts/system-deps.sh does it)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    # body are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            # While Playwright's loop runs, Django keeps this thread's connections in
            # context-local storage that pytest-django's teardown never sees: close them
            # here, or dropping the test database finds a session still open.
            connections.close_all()
            browser.close()


def summary_titles(page) -> list[str]:
    return page.locator("article.post-summary h2").all_inner_texts()


def test_reader_journey_and_editor_publishes(page, live_server, tmp_path):
    EditorFactory(username="ed", password=PASSWORD)
    category = CategoryFactory(name="Coastlines")
    post = PostFactory(
        title="Lighthouse keepers",
        body="The **lamp** never sleeps.\n\n- oil\n- wick",
        category=category,
        tags=[TagFactory(name="lamps")],
    )
    draft = PostFactory(title="Harbour draft", body="Not yet.", category=category, draft=True)

    # A reader: the home page lists the public post and not the draft.
    page.goto(live_server.url + "/")
    assert "Lighthouse keepers" in summary_titles(page)
    assert "Harbour draft" not in summary_titles(page)
    screenshot = tmp_path / "home.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page.screenshot(path="/tmp/broadsheet-home.png", full_page=True)

    # The post page shows the title and the body rendered from Markdown.
    page.get_by_role("link", name="Lighthouse keepers").click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Lighthouse keepers"
    assert page.locator(".post-body strong").inner_text() == "lamp"
    assert page.locator(".post-body li").all_inner_texts() == ["oil", "wick"]
    assert "**" not in page.locator(".post-body").inner_text()
    page.screenshot(path="/tmp/broadsheet-post.png", full_page=True)

    # The header search form finds the post by a word of its body.
    page.fill("#site-search", "lamp")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=lamp")
    assert "1 result for “lamp”" in page.locator("main").inner_text()
    assert summary_titles(page) == ["Lighthouse keepers"]

    # An editor logs into the admin and publishes the draft with one button.
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/blog/post/{draft.pk}/change/")
    assert page.locator("#id_title").input_value() == "Harbour draft"
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_load_state()
    assert "Published: readers can see it now." in page.locator(".messagelist").inner_text()

    draft.refresh_from_db()
    assert draft.status == Post.Status.PUBLISHED and draft.published_at is not None
    assert Post.objects.public().filter(pk=draft.pk).exists()

    # The home page now lists it.
    page.goto(live_server.url + "/")
    assert "Harbour draft" in summary_titles(page)
    assert "Lighthouse keepers" in summary_titles(page)
