"""A reader opens a post with an embed: nothing leaves our host until they press play.

The embed comes from our own oEmbed server on loopback (tests/embeds/conftest.py), on
another origin than the live server, so a request log tells the two apart. After the
click the player's iframe is inserted (it may not load: the CSP's frame-src names only
the real providers, and the test server is not one of them).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.shots import shoot
from tests.embeds.conftest import oembed_server, provider  # noqa: F401  (fixtures)
from tests.factories import PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_player_loads_only_after_a_click(browser, live_server, provider):  # noqa: F811
    url = f"{provider.origin}/videos/quay"
    post = PostFactory(
        title="Night at the quay",
        body=f"The harbour film we promised.\n\n{url}\n\nMore words after the film.",
    )
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(live_server.url + post.get_absolute_url())
    page.wait_for_load_state("networkidle")

    ours = origin(live_server.url)
    assert requests and {origin(r) for r in requests} == {ours}, requests
    assert any("/media/embeds/" in r for r in requests)  # the thumbnail, from us
    play = page.locator(".embed-play")
    assert play.is_visible()
    frame = page.locator(".embed-frame")
    frame.scroll_into_view_if_needed()
    box = frame.bounding_box()
    assert page.locator(".embed figcaption a").get_attribute("href") == url
    shoot(page, "site-embed-before", full_page=False)

    before_click = len(requests)
    play.focus()
    page.keyboard.press("Enter")  # a keyboard reader plays it as well as a mouse one
    iframe = page.locator(".embed-frame iframe")
    iframe.wait_for()
    assert iframe.get_attribute("src") == f"{provider.origin}/player/quay"
    assert iframe.get_attribute("title") == "Harbour lights (quay)"
    assert frame.bounding_box()["height"] == pytest.approx(box["height"], abs=1)  # no shift
    assert all(origin(r) == ours for r in requests[:before_click])
    page.wait_for_timeout(300)
    shoot(page, "site-embed-after", full_page=False)
    context.close()
