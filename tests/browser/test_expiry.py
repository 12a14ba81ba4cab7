"""Expiry in Chromium: a reader sees a post until its expiry and not after, through warm
caches, with no job run; the editor's list says it expired.

"Not after" is the server's: a reader with an empty browser cache gets a 404 half a
second after the expiry. A page is also sent with a `max-age` of at most
`PAGE_BROWSER_CACHE_SECONDS` (pagecache/cache.py), so a reader who loaded it just before
the expiry may keep the browser's copy that long, and no longer."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from blog.services import post_update
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECONDS_AHEAD = 6


def test_a_reader_stops_seeing_a_post_at_its_expiry(log_in, browser, live_server):
    editor = EditorFactory(username="eda", password=PASSWORD)
    post = PostFactory(author=editor, title="Harbour festival offer", body="Half-price ferries.")
    expires = timezone.now() + timedelta(seconds=SECONDS_AHEAD)
    post_update(post=post, data={"expires_at": expires}, user=editor)

    reader_context, newcomer_context = browser.new_context(), browser.new_context()
    try:
        reader = reader_context.new_page()
        # Before: on the home page and its own page, both now in the page cache.
        for _ in range(2):
            reader.goto(live_server.url + "/")
            assert reader.get_by_role("link", name="Harbour festival offer").count() >= 1
            response = reader.goto(live_server.url + post.get_absolute_url())
            last_seen = timezone.now()
            assert response.status == 200
            assert reader.locator("h1").inner_text() == "Harbour festival offer"
        browser_copy = int(response.headers["cache-control"].split("max-age=")[1].split(",")[0])
        assert browser_copy <= settings.PAGE_BROWSER_CACHE_SECONDS

        # Just after the expiry, a reader with nothing in the browser's cache: the server's
        # caches have let it go, with nothing run in between (no sweep, no worker).
        time.sleep(max(0.0, (expires - timezone.now()).total_seconds()) + 0.5)
        _assert_gone(newcomer_context.new_page(), live_server.url, post)

        # The first reader, once the browser's own copy is past its max-age too (on a slow
        # machine the last load can be less than max-age before the expiry).
        until = last_seen + timedelta(seconds=settings.PAGE_BROWSER_CACHE_SECONDS)
        time.sleep(max(0.0, (until - timezone.now()).total_seconds()) + 0.5)
        _assert_gone(reader, live_server.url, post)
    finally:
        reader_context.close()
        newcomer_context.close()

    page = log_in("eda")
    page.goto(f"{live_server.url}/admin/blog/post/")
    row = page.locator("tr", has_text="Harbour festival offer")
    assert "Expired" in row.inner_text()


def _assert_gone(page, url: str, post) -> None:
    response = page.goto(url + post.get_absolute_url())
    assert response.status == 404
    assert "Half-price ferries" not in page.content()
    page.goto(url + "/")
    assert page.get_by_role("link", name="Harbour festival offer").count() == 0
