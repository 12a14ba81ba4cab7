"""An editor's day in the admin, in headless Chromium: scheduling across time zones.

Each test gets a browser context of its own, with the browser's time zone chosen by the
test (`editor_context(timezone_id=...)`), and logs in through the real login form.
"""

from datetime import UTC, datetime

import pytest

from blog.models import Post
from blog.services import post_update
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, ContributorFactory, EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_schedule_in_a_new_york_browser_lands_at_the_right_utc_instant(log_in, live_server):
    author = AuthorFactory(username="ny", password=PASSWORD)
    post = PostFactory(author=author, title="Harbour lights", draft=True)
    page = log_in("ny", timezone_id="America/New_York")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    assert "Your time zone: America/New_York" in page.locator(".field-published_at").inner_text()

    # "Schedule…" without a time asks for one instead of saving.
    page.get_by_role("button", name="Schedule…").click()
    assert page.locator(".schedule-hint").is_visible()
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT

    page.fill("#id_published_at", "2099-03-01T09:30")
    page.get_by_role("button", name="Schedule…").click()
    page.wait_for_load_state()
    message = page.locator(".messagelist").inner_text()
    assert "Scheduled for 2099-03-01 09:30 EST" in message
    post.refresh_from_db()
    assert post.published_at == datetime(2099, 3, 1, 14, 30, tzinfo=UTC)
    assert post.state == Post.State.SCHEDULED
    # The change list says the same, in the same zone.
    page.goto(f"{live_server.url}/admin/blog/post/")
    row = page.locator("#result_list tbody tr", has_text="Harbour lights")
    assert row.locator(".state-badge").inner_text() == "Scheduled"
    assert "for 2099-03-01 09:30 EST" in row.inner_text()


def test_live_preview_shows_rendered_markdown_and_counts_words(log_in, live_server):
    AuthorFactory(username="writer", password=PASSWORD)
    page = log_in("writer")
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    # Title and Body come first.
    labels = page.locator("#post_form fieldset").first.locator("label").all_inner_texts()
    assert labels[:2] == ["Title:", "Body:"]
    page.fill("#id_title", "Storm log")
    page.locator("#id_body").click()
    page.keyboard.type("## Night watch\n\nThe **lamp** stayed lit.\n\n- oil\n- wick")
    preview = page.locator(".preview-body")
    preview.locator("strong", has_text="lamp").wait_for()
    assert preview.locator("h2").inner_text() == "Night watch"
    assert preview.locator("li").all_inner_texts() == ["oil", "wick"]
    assert "**" not in preview.inner_text()
    assert page.locator(".word-count").inner_text() == "11 words"
    assert page.locator(".reading-time").inner_text() == "1 min read"
    # The cheat sheet is one click away.
    page.get_by_text("Markdown cheat sheet").click()
    assert page.locator(".markdown-help table").is_visible()
    shoot(page, "editor-preview")
    # The body grows with its text (below the side-by-side width: test_side_preview.py).
    page.set_viewport_size({"width": 1060, "height": 1000})
    height = page.locator("#id_body").bounding_box()["height"]
    page.locator("#id_body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nmore" * 30)
    assert page.locator("#id_body").bounding_box()["height"] > height


def test_autosave_survives_a_reload(log_in, live_server):
    author = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=author, title="Ferry times", body="Old text.", draft=True)
    page = log_in("writer")
    url = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    page.goto(url)
    page.locator("#id_body").click()
    page.keyboard.press("End")
    page.keyboard.type(" And the new paragraph I must not lose.")
    page.locator(".autosave-status", has_text="Autosaved at").wait_for(timeout=15_000)
    post.refresh_from_db()
    assert "must not lose" not in post.body  # autosave is not a save

    page.on("dialog", lambda dialog: dialog.accept())  # leave anyway
    page.reload()
    offer = page.locator(".autosave-offer")
    assert "You have changes autosaved at" in offer.inner_text()
    assert "must not lose" not in page.locator("#id_body").input_value()
    shoot(page, "editor-autosave-offer")
    offer.get_by_role("link", name="Restore them").click()
    assert page.locator("#id_body").input_value().endswith("I must not lose.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Draft saved." in page.locator(".messagelist").inner_text()
    post.refresh_from_db()
    assert post.body.endswith("I must not lose.")
    assert page.locator(".autosave-offer").count() == 0


def test_a_new_post_is_autosaved_and_offered_after_a_reload(log_in, live_server):
    from editorial.models import Autosave

    ContributorFactory(username="newbie", password=PASSWORD)
    page = log_in("newbie")
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    page.fill("#id_title", "Lighthouse keepers")
    page.locator("#id_body").click()
    page.keyboard.type("Never saved, and *never lost*.")
    page.locator(".autosave-status", has_text="Autosaved at").wait_for(timeout=15_000)
    assert not Post.objects.exists()  # autosaved, but no phantom draft

    page.on("dialog", lambda dialog: dialog.accept())  # leave anyway (the tab "closes")
    page.reload()
    offer = page.locator(".autosave-offer")
    assert "You have an unsaved new post, autosaved and not saved yet:" in offer.inner_text()
    assert "“Lighthouse keepers”, autosaved at" in offer.inner_text()
    assert page.locator("#id_body").input_value() == ""
    shoot(page, "add-post-restore-offer")
    offer.get_by_role("link", name="Restore “Lighthouse keepers”").click()
    assert page.locator("#id_title").input_value() == "Lighthouse keepers"
    assert page.locator("#id_body").input_value() == "Never saved, and *never lost*."
    page.locator(".preview-body em", has_text="never lost").wait_for()
    assert page.locator("#id_slug").input_value() == "lighthouse-keepers"

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    assert "Draft saved." in page.locator(".messagelist").inner_text()
    post = Post.objects.get()
    assert (post.title, post.body) == ("Lighthouse keepers", "Never saved, and *never lost*.")
    assert not Autosave.objects.exists()
    page.goto(f"{live_server.url}/admin/blog/post/add/")
    assert page.locator(".autosave-offer").count() == 0


def test_leaving_with_unsaved_changes_warns(log_in, live_server):
    author = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=author, draft=True)
    page = log_in("writer")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.locator("#id_title").click()
    page.keyboard.type(" (revised)")
    assert page.locator(".autosave-status").inner_text() == "You have unsaved changes"
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", dismiss)
    page.evaluate("window.location.href = '/admin/'")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/change/" in page.url  # still here, text intact
    assert page.locator("#id_title").input_value().endswith("(revised)")


def test_concurrent_edit_is_refused_with_a_message(log_in, live_server):
    author = AuthorFactory(username="writer", password=PASSWORD, display_name="Wren Writer")
    EditorFactory(username="ed", password=PASSWORD, display_name="Eddie Editor")
    post = PostFactory(author=author, title="Quay notes", draft=True)
    url = f"{live_server.url}/admin/blog/post/{post.pk}/change/"
    mine, theirs = log_in("writer"), log_in("ed")
    mine.goto(url)
    theirs.goto(url)

    theirs.fill("#id_title", "Quay notes, edited by the editor")
    theirs.get_by_role("button", name="Save draft").click()
    theirs.wait_for_load_state()
    assert "Draft saved." in theirs.locator(".messagelist").inner_text()

    mine.fill("#id_body", "My version of the body.")
    mine.get_by_role("button", name="Save draft").click()
    mine.wait_for_load_state()
    banner = mine.locator(".conflict-banner")
    error = banner.inner_text()
    assert "Eddie Editor saved this post at" in error
    assert "your changes were not saved" in error
    assert "Please correct" not in mine.locator("#content-main").inner_text()  # no error made
    assert "differ in: Title, Body." in error
    assert banner.locator(".diff-line.added").all_inner_texts() == [
        "+ Quay notes",  # their new title would go back to this
        "+ My version of the body.",
    ]
    assert mine.locator("#id_body").input_value() == "My version of the body."
    shoot(mine, "editor-conflict")
    post.refresh_from_db()
    assert post.title == "Quay notes, edited by the editor"
    assert post.body != "My version of the body."


def test_history_compares_two_revisions(log_in, live_server):
    EditorFactory(username="ed", password=PASSWORD)
    post = PostFactory(title="Pier", body="The pier is long.\nGulls everywhere.", draft=True)
    post_update(post=post, data={"body": "The pier is long.\nGulls, everywhere, loud."}, user=None)
    page = log_in("ed")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.get_by_role("link", name="History").click()
    assert page.locator("#revision-list tbody tr").count() == 2
    shoot(page, "history")
    page.get_by_role("button", name="Compare").click()
    assert page.locator(".diff-line.removed").inner_text() == "\u2212 Gulls everywhere."
    assert page.locator(".diff-line.added").inner_text() == "+ Gulls, everywhere, loud."
    shoot(page, "history-diff")


def test_review_queue_from_the_admin_home(log_in, live_server):
    EditorFactory(username="ed", password=PASSWORD)
    writer = AuthorFactory(username="w", display_name="Wren Writer")
    for title in ["Dune grasses", "Tidal bores"]:
        PostFactory(author=writer, title=title, status=Post.Status.REVIEW, published_at=None)
    PostFactory(author=writer, title="Only a draft", draft=True)
    page = log_in("ed")
    shoot(page, "admin-home")
    page.get_by_role("link", name="2 posts waiting for review").click()
    page.wait_for_url("**/admin/blog/post/?review=waiting")
    rows = page.locator("#result_list tbody tr")
    assert sorted(rows.locator("th a").all_inner_texts()) == ["Dune grasses", "Tidal bores"]
    assert rows.locator(".state-badge").all_inner_texts() == ["In review", "In review"]
    shoot(page, "review-queue")
    rows.locator("th a", has_text="Dune grasses").click()
    page.get_by_role("button", name="Return to writer").wait_for()
    assert page.locator(".field-note textarea").is_visible()
    shoot(page, "review-post")
