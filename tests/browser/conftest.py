"""The admin's browser tests: one fresh context per writer on the run's Chromium
(the `browser` fixture of tests/conftest.py)."""

import pytest

from tests.browser.test_reader_journey import PASSWORD

DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def log_in(browser, live_server):
    """`log_in(username, timezone_id=..., viewport=PHONE, javascript=False)`: a fresh page
    of a new browser context, logged in through the real login form."""

    contexts = []

    def open_page(
        username: str, timezone_id: str = "UTC", viewport: dict = DESKTOP, javascript: bool = True
    ):
        context = browser.new_context(
            timezone_id=timezone_id,
            viewport=viewport,
            java_script_enabled=javascript,
            is_mobile=viewport["width"] < 500,
            has_touch=viewport["width"] < 500,
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + "/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        contexts.append(context)
        return page

    yield open_page
    # Closed before the test's database is flushed: a page left open keeps asking the live
    # server (a reload's preview, autosave), whose queries then deadlock with the flush.
    for context in contexts:
        context.close()
