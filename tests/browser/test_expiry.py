"""Expiry in Chromium: a reader sees a post until its expiry and not after, through warm
caches, with no job run; the editor's list says it expired.

"Not after" counts the browser's own copy: a page is sent with a `max-age` of at most
`PAGE_BROWSER_CACHE_SECONDS` (pagecache/cache.py), so a reader who loaded it just before
the expiry may keep it that long; the server's caches must not add to that."""

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

    reader_context = browser.new_context()
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

        # Past the expiry, and past the browser's own copy (on a slow machine the last
        # load can be less than max-age before the expiry).
        until = max(expires, last_seen + timedelta(seconds=browser_copy))
        time.sleep(max(0.0, (until - timezone.now()).total_seconds()) + 0.5)

        # After: gone from both, with nothing run in between (no sweep, no worker).
        response = reader.goto(live_server.url + post.get_absolute_url())
        assert response.status == 404
        assert "Half-price ferries" not in reader.content()
        reader.goto(live_server.url + "/")
        assert reader.get_by_role("link", name="Harbour festival offer").count() == 0
    finally:
        reader_context.close()

    page = log_in("eda")
    page.goto(f"{live_server.url}/admin/blog/post/")
    row = page.locator("tr", has_text="Harbour festival offer")
    assert "Expired" in row.inner_text()
