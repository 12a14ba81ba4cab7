"""The editors' admin on a phone and a desktop, without JavaScript, and under the CSP.

These tests also take the screenshots `docs/editors.md` shows (see tests/browser/shots.py):
the editor with its live preview, history and diff, the admin home and review queue as
an editor sees them, and the "Add post" restore offer.
"""

import uuid

import pytest
import reversion

from blog.models import Post
from editorial.models import Autosave
from tests.browser.conftest import PHONE
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    ContributorFactory,
    EditorFactory,
    PostFactory,
    TagFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """## Low water

The **harbour** empties twice a day; the boats lie *on their sides* in the mud.

- check the tide table
- move the dinghy

> The sea keeps its own hours.

```python
high_water = "06:42"
```
"""


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


@pytest.fixture
def newsroom(db):
    """A small newsroom: an editor, a writer with a draft (two revisions), posts in review."""
    editor = EditorFactory(username="ed", password=PASSWORD, display_name="Eddie Editor")
    writer = AuthorFactory(username="wren", password=PASSWORD, display_name="Wren Writer")
    ContributorFactory(username="cora", password=PASSWORD, display_name="Cora Contributor")
    harbour = CategoryFactory(name="Harbour")
    with reversion.create_revision():  # as two saves in the admin would
        reversion.set_user(writer)
        draft = PostFactory(
            author=writer,
            title="Low water at the quay",
            body=BODY.replace("twice a day", "once a day"),
            category=harbour,
            draft=True,
        )
        draft.tags.add(TagFactory(name="tides"))
    with reversion.create_revision():
        reversion.set_user(editor)
        draft.body, draft.excerpt = BODY, "The harbour empties twice a day."
        draft.save()
    for title in ["Dune grasses", "Tidal bores"]:
        PostFactory(
            author=writer,
            title=title,
            category=harbour,
            status=Post.Status.REVIEW,
            published_at=None,
        )
    PostFactory(author=writer, title="Lighthouse keepers", category=harbour)
    PostFactory(author=writer, title="Winter timetable", scheduled=True)
    return draft


def test_the_editor_with_its_preview(log_in, live_server, newsroom):
    page = log_in("wren")
    page.goto(f"{live_server.url}/admin/blog/post/{newsroom.pk}/change/")
    preview = page.locator(".preview-body")
    preview.locator("strong", has_text="harbour").wait_for()
    assert preview.locator("h2").inner_text() == "Low water"
    assert preview.locator("li").all_inner_texts() == ["check the tide table", "move the dinghy"]
    assert preview.locator("pre").count() == 1
    # The preview reads like the site, not indented like the admin's aligned fields.
    preview_left = preview.bounding_box()["x"]
    list_left = preview.locator("ul").bounding_box()["x"]
    assert list_left - preview_left < 60, (list_left, preview_left)
    page.locator("#id_body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nA new line, *typed now*.")
    preview.locator("em", has_text="typed now").wait_for()
    shoot(page, "editor-preview-desktop")


def test_the_editor_on_a_phone(log_in, live_server, newsroom):
    page = log_in("wren", viewport=PHONE)
    page.goto(f"{live_server.url}/admin/blog/post/{newsroom.pk}/change/")
    body = page.locator("#id_body")
    assert body.bounding_box()["height"] >= 300  # not 4 lines
    assert no_sideways_scroll(page)
    # Write and Preview are tabs: one at a time.
    assert page.locator(".preview-body").is_hidden()
    page.get_by_role("tab", name="Preview").click()
    page.locator(".preview-body h2", has_text="Low water").wait_for()
    assert body.is_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "editor-preview-phone", full_page=False)
    page.get_by_role("tab", name="Write").click()
    assert body.is_visible() and page.locator(".preview-body").is_hidden()


def test_history_and_diff(log_in, live_server, newsroom):
    for width, viewport in [("desktop", None), ("phone", PHONE)]:
        page = log_in("ed", **({"viewport": viewport} if viewport else {}))
        page.goto(f"{live_server.url}/admin/blog/post/{newsroom.pk}/history/")
        assert page.locator("#revision-list tbody tr").count() == 2
        assert no_sideways_scroll(page)
        if width == "desktop":
            shoot(page, "history-desktop")
        page.get_by_role("button", name="Compare").click()
        page.locator(".diff-line.added").first.wait_for()
        assert "twice a day" in page.locator(".diff-line.added").first.inner_text()
        assert "once a day" in page.locator(".diff-line.removed").first.inner_text()
        assert no_sideways_scroll(page)
        shoot(page, f"history-diff-{width}")
        page.context.close()


def test_the_admin_home_and_review_queue_as_an_editor(log_in, live_server, newsroom):
    page = log_in("ed")
    assert page.locator("#content-main .app-blog").is_visible()
    shoot(page, "admin-home-editor")
    page.get_by_role("link", name="2 posts waiting for review").click()
    page.wait_for_url("**/admin/blog/post/?review=waiting")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert rows.locator(".field-author_name").all_inner_texts() == ["Wren Writer"] * 2
    shoot(page, "review-queue-desktop")

    phone = log_in("ed", viewport=PHONE)
    assert no_sideways_scroll(phone)
    shoot(phone, "admin-home-phone", full_page=False)


def test_a_contributor_sees_only_what_they_can_use(log_in, live_server, newsroom):
    page = log_in("cora")
    models = page.locator("#content-main .module tbody th").all_inner_texts()
    assert models == ["Posts", "Images"]
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    sidebar = page.locator("#nav-sidebar .module tbody th").all_inner_texts()
    assert sidebar == ["Posts", "Images"]
    # Still files the post: the category and tag pickers search as they type.
    page.locator(".field-category .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill("harb")
    page.locator(".select2-results__option", has_text="Harbour").click()
    page.locator(".field-tags .select2-selection").click()
    page.locator(".field-tags .select2-search__field").fill("tid")
    page.locator(".select2-results__option", has_text="tides").click()
    page.fill("#id_title", "Cora's first")
    page.fill("#id_body", "A few words.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    post = Post.objects.get(title="Cora's first")
    assert post.category.name == "Harbour" and [t.name for t in post.tags.all()] == ["tides"]


def test_the_add_post_restore_offer(log_in, live_server, newsroom):
    from django.contrib.auth import get_user_model

    wren = get_user_model().objects.get(username="wren")
    Autosave.objects.create(
        user=wren,
        draft_key=uuid.uuid4(),
        title="Fog horns",
        body="Typed on the train, never saved.\n\nSecond paragraph.",
    )
    for width, viewport in [("phone", PHONE), ("desktop", None)]:  # desktop discards
        page = log_in("wren", **({"viewport": viewport} if viewport else {}))
        page.goto(f"{live_server.url}/admin/blog/post/add/")
        offer = page.locator(".autosave-offer")
        assert "“Fog horns”, autosaved at" in offer.inner_text()
        assert no_sideways_scroll(page)
        shoot(page, f"add-post-restore-offer-{width}", full_page=False)
        if width == "desktop":
            # The admin focuses the form's first field: the title, never "Discard it".
            page.wait_for_function("document.activeElement.id === 'id_title'")
            page.get_by_role("button", name="Discard “Fog horns”").click()
            page.wait_for_load_state()
            assert "Unsaved draft discarded." in page.locator(".messagelist").inner_text()
            assert page.locator(".autosave-offer").count() == 0
            assert not Autosave.objects.exists() and not Post.objects.filter(title="Fog horns")
        page.context.close()


def test_without_javascript_the_post_form_still_saves(log_in, live_server, newsroom):
    page = log_in("wren", javascript=False)
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    assert page.locator(".editor-preview").is_hidden()  # no dead preview pane
    page.fill("#id_title", "Plain form")
    page.fill("#id_body", "Written without a script.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Draft saved." in page.locator(".messagelist").inner_text()
    post = Post.objects.get(title="Plain form")
    assert post.state == Post.State.DRAFT and post.slug == "plain-form"


def test_the_admin_runs_under_the_csp_from_this_host_only(log_in, live_server, newsroom):
    page = log_in("ed")
    problems, hosts = [], set()
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    for path in [
        "/admin/",
        "/admin/blog/post/",
        "/admin/blog/post/add/",
        f"/admin/blog/post/{newsroom.pk}/history/",
        f"/admin/blog/post/{newsroom.pk}/change/",
    ]:
        response = page.goto(live_server.url + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    page.locator(".preview-body h2").wait_for()  # the script ran
    assert problems == [] and hosts == {live_server.url.split("/")[2]}


def test_an_editor_invites_a_writer_in_one_screen(log_in, live_server, newsroom):
    from django.contrib.auth import get_user_model

    page = log_in("ed")
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.get_by_role("link", name="Invite a writer").click()
    page.fill("#id_email", "sam@example.com")
    page.fill("#id_display_name", "Sam Stringer")
    page.get_by_label("Contributor — writes drafts and submits them for review").check()
    shoot(page, "invite-writer-desktop", full_page=False)
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_load_state()
    assert (
        "Invited Sam Stringer (sam@example.com) as Contributor"
        in page.locator(".messagelist").inner_text()
    )
    sam = get_user_model().objects.get(email="sam@example.com")
    assert sam.is_staff and [g.name for g in sam.groups.all()] == ["Contributor"]
