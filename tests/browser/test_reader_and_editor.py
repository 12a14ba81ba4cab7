"""A reader's journey and an editor publishing a draft, in headless Chromium (Playwright).

Runs against pytest-django's `live_server`: the home page lists only public posts, a post
page renders Markdown, the header search finds a post, and an editor logs into the admin,
publishes a draft and sees it appear on the home page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

from tests.factories import EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
HOME_PNG = Path("/tmp/broadsheet-home.png")
POST_PNG = Path("/tmp/broadsheet-post.png")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIMEOUT_MS = 5_000


@pytest.fixture
def page(monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium not installed: apt-get install chromium (scripts/system-deps.sh does it)"
        )
    # Playwright's sync API runs an asyncio loop in this thread; the ORM refuses to run
    # in a thread with a running loop unless told otherwise.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            # While Playwright's loop runs, Django keeps this thread's database
            # connections in context-local storage that pytest-django's teardown never
            # sees: close them here, or dropping the test database finds a session open.
            connections.close_all()
            browser.close()


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 1000, f"{path} is suspiciously small ({len(data)} bytes)"
    assert data.startswith(PNG_MAGIC), f"{path} is not a PNG"


def _summary_titles(page) -> list[str]:
    return [t.strip() for t in page.locator("article.post-summary h2 a").all_inner_texts()]


def test_reader_journey_and_editor_publishes_a_draft(page, live_server):
    from playwright.sync_api import expect

    public = PostFactory(title="Walrus migration", body="Some **bold** text about walruses.")
    editor = EditorFactory(username="ed", password="correct-horse-battery")
    draft = PostFactory(title="Unreleased narwhal story", draft=True, author=editor)
    base = live_server.url

    # Home: the public post is listed, the draft is not.
    page.goto(f"{base}/")
    expect(page.locator("article.post-summary").first).to_be_visible()
    titles = _summary_titles(page)
    assert public.title in titles
    assert draft.title not in titles
    HOME_PNG.unlink(missing_ok=True)
    page.screenshot(path=str(HOME_PNG), full_page=True)
    _assert_png(HOME_PNG)

    # Post page: title and rendered Markdown.
    page.locator("article.post-summary h2 a", has_text=public.title).click()
    expect(page).to_have_url(re.compile(rf"/posts/{re.escape(public.slug)}/$"))
    expect(page.locator("h1")).to_have_text(public.title)
    expect(page.locator(".post-body strong")).to_have_text("bold")
    POST_PNG.unlink(missing_ok=True)
    page.screenshot(path=str(POST_PNG), full_page=True)
    _assert_png(POST_PNG)

    # Header search finds the post.
    page.fill("input#site-search", "walruses")
    page.locator("form.search-form button[type=submit]", has_text="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=walruses$"))
    expect(page.locator("a", has_text=public.title).first).to_be_visible()
    assert draft.title not in page.content()

    # The editor logs into the admin and publishes the draft.
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", "correct-horse-battery")
    page.click("input[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/admin/login/"))
    page.goto(f"{base}/admin/blog/post/{draft.pk}/change/")
    expect(page.locator("select#id_status")).to_have_value("draft")
    page.select_option("select#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(draft.title)
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_at is not None

    # Home now lists the formerly draft post.
    page.goto(f"{base}/")
    expect(page.locator("article.post-summary h2 a", has_text=draft.title)).to_be_visible()
    assert public.title in _summary_titles(page)
