"""A preview link in Chromium: the writer makes one from the post form, and someone with
no account (a fresh browser context, no cookies) opens it and reads the draft."""

from urllib.parse import urlsplit

import pytest

from previews.models import PreviewLink
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = """The harbour opens at dawn.

## What changes

- Ferries every *twenty* minutes
- A new quay for bicycles
"""


def test_a_preview_link_opened_in_a_fresh_browser_shows_the_draft(log_in, browser, live_server):
    writer = AuthorFactory(username="wren", password=PASSWORD)
    post = PostFactory(author=writer, draft=True, title="The new harbour timetable", body=BODY)
    page = log_in("wren")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    box = page.locator("#preview-links")
    assert "No preview links yet." in box.inner_text()
    box.get_by_label("Works for").select_option("3")
    box.get_by_role("button", name="Create preview link").click()
    page.wait_for_load_state()
    assert "Preview link created" in page.locator(".messagelist").inner_text()
    url = box.locator(".preview-link-url").input_value()
    assert box.get_by_role("button", name="Copy").is_visible()  # the script showed it
    link = PreviewLink.objects.get(post=post)
    assert url.endswith(f"/preview/{link.token}/")

    stranger = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        assert stranger.cookies() == []
        reader = stranger.new_page()
        response = reader.goto(live_server.url + urlsplit(url).path)
        assert response.status == 200
        assert response.headers["x-robots-tag"] == "noindex"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "no-store" in response.headers["cache-control"]
        assert reader.locator("h1").inner_text() == "The new harbour timetable"
        banner = reader.locator(".preview-banner")
        assert banner.inner_text() == "Preview of a draft — not published"
        assert reader.locator("em", has_text="twenty").is_visible()
        assert reader.locator('meta[name="robots"]').get_attribute("content") == "noindex"
        header = reader.get_by_role("banner")
        assert header.get_by_role("link", name="Sign in").is_visible()  # no session
        shoot(reader, "site-preview-link", full_page=False)

        # Feedback: a form of its own page, whose POST passes Django's CSRF check.
        reader.get_by_role("link", name="Leave feedback for the writer").click()
        reader.get_by_label("Your name (optional)").fill("Kim")
        reader.get_by_label("Your feedback").fill("The ferry leaves at 7:10, not 7:00.")
        reader.get_by_role("button", name="Send feedback").click()
        reader.wait_for_load_state()
        assert "Thank you" in reader.locator("main").inner_text()

        page.reload()
        assert "never" not in box.locator("tbody tr").inner_text()
        assert box.locator(".preview-link-views").inner_text() == "1"
        assert "7:10, not 7:00" in box.locator(".preview-feedback").inner_text()
        box.get_by_role("button", name="Revoke").click()
        page.wait_for_load_state()
        assert "Preview link revoked" in page.locator(".messagelist").inner_text()
        assert reader.goto(live_server.url + urlsplit(url).path).status == 404
        assert "harbour timetable" not in reader.content()
    finally:
        stranger.close()
