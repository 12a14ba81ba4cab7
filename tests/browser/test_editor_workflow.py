"""An editor's day in the admin, in headless Chromium: scheduling across time zones.

Each test gets a browser context of its own, with the browser's time zone chosen by the
test (`editor_context(timezone_id=...)`), and logs in through the real login form.
"""

from datetime import UTC, datetime

import pytest
from django.db import connections

from blog.models import Post
from tests.browser.test_reader_journey import CHROMIUM, FLAGS, PASSWORD
from tests.factories import AuthorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = None  # set by the `screenshots` fixture


@pytest.fixture
def browser(monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip("Chromium missing: apt-get install chromium (scripts/system-deps.sh does it)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield browser
        finally:
            connections.close_all()  # see tests/browser/test_reader_journey.py
            browser.close()


@pytest.fixture
def log_in(browser, live_server):
    """`log_in(username, timezone_id=...)`: a fresh page of a new context, logged in."""

    def open_page(username: str, timezone_id: str = "UTC"):
        context = browser.new_context(
            timezone_id=timezone_id, viewport={"width": 1280, "height": 1000}
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + "/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    return open_page


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
