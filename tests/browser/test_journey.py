"""A reader and an editor in headless Chromium (Debian's, driven by Playwright).

The reader opens the home page, follows a post and searches; the editor logs into the
admin and publishes a draft, which then shows on the home page.
"""

from pathlib import Path

import pytest

from tests.factories import EditorFactory, PostFactory

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip

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
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def test_reader_journey_and_editor_publishes(page, live_server, tmp_path):
    editor = EditorFactory(username="ed", password="correct-horse-battery")
    post = PostFactory(
        title="Lighthouse keepers", body="The **lamp** never sleeps.\n\n- oil\n- wick"
    )
    draft = PostFactory(title="Harbour draft", body="Not yet.", draft=True, author=editor)

    # A reader: home, a post, a search.
    page.goto(live_server.url + "/")
    titles = page.locator("article.post-summary h2").all_inner_texts()
    assert "Lighthouse keepers" in titles and "Harbour draft" not in titles
    screenshot = tmp_path / "home.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG")

    page.get_by_role("link", name="Lighthouse keepers").click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Lighthouse keepers"
    assert page.locator(".post-body strong").inner_text() == "lamp"
    assert page.locator(".post-body li").count() == 2

    page.fill("#site-search", "lamp")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_url("**/search/?q=lamp")
    assert "1 result" in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Lighthouse keepers").count() == 1

    # An editor publishes the draft in the admin.
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/blog/post/{draft.pk}/change/")
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()

    page.goto(live_server.url + "/")
    assert "Harbour draft" in page.locator("article.post-summary h2").all_inner_texts()
