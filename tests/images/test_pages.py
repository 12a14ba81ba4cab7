"""Readers: cover images on post pages and listings, share cards, JSON-LD and feeds.

Query counts stay constant with cover images, and the page never waits for renditions.
"""

from __future__ import annotations

import html
import json
import re

import feedparser
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sitevalues import forget as forget_site_values
from images import services
from tests.factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_widths(settings):
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (160, 320, 640)}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found and found.group(1)


def test_post_page_shows_the_cover_with_srcset_and_dimensions(client, make_image, small_widths):
    cover = make_image("JPEG", (1200, 800), caption="The harbour", credit="Ana")
    post = PostFactory(cover_image=cover)
    html = page(client, post.get_absolute_url())
    figure = re.search(r'<figure class="cover-image">.*?</figure>', html, re.S).group(0)
    avif = re.search(r'<source type="image/avif" srcset="([^"]+)" sizes="([^"]+)">', figure)
    webp = re.search(r'<source type="image/webp" srcset="([^"]+)"', figure)
    assert [w for w in re.findall(r" (\d+)w", avif.group(1))] == ["160", "320", "640"]
    assert re.findall(r" (\d+)w", webp.group(1)) == ["160", "320", "640"]
    assert "42rem" in avif.group(2)
    img = re.search(r"<img [^>]+>", figure).group(0)
    assert 'width="1200" height="800"' in img
    assert 'alt="A harbour at dawn"' in img
    assert re.findall(r" (\d+)w", re.search(r'srcset="([^"]+)"', img).group(1)) == [
        "160",
        "320",
        "640",
        "1200",
    ]
    assert 'loading="eager"' in img and 'fetchpriority="high"' in img  # above the fold
    assert "The harbour" in figure and "Ana" in figure


def test_share_cards_and_json_ld_name_the_cover(client, make_image, small_widths):
    cover = make_image("JPEG", (1200, 800))
    post = PostFactory(cover_image=cover)
    html = page(client, post.get_absolute_url())
    og_image = meta(html, "og:image")
    # The widest JPEG/PNG up to 1600 px: here the (clean) 1200 px original itself.
    assert og_image.startswith("http") and og_image.endswith(cover.url)  # absolute
    assert meta(html, "twitter:card") == "summary_large_image"
    assert meta(html, "twitter:image") == og_image
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "800")
    assert meta(html, "og:image:alt") == "A harbour at dawn"
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    )
    assert data["image"] == [og_image]


def test_a_big_photo_shares_a_1600_px_rendition(client, make_image):
    cover = make_image("JPEG", (2400, 1600))
    html = page(client, PostFactory(cover_image=cover).get_absolute_url())
    assert "/media/images/r/" in meta(html, "og:image")
    assert (meta(html, "og:image:width"), meta(html, "og:image:type")) == ("1600", "image/jpeg")


def test_without_a_cover_the_card_stays_a_summary(client):
    html = page(client, PostFactory().get_absolute_url())
    assert meta(html, "twitter:card") == "summary"
    assert meta(html, "og:image") is None
    assert "cover-image" not in html


def test_the_page_uses_the_original_until_renditions_exist(client, make_image):
    cover = make_image("JPEG", (1200, 800), renditions=False)
    html = page(client, PostFactory(cover_image=cover).get_absolute_url())
    img = re.search(r'<figure class="cover-image">.*?(<img [^>]+>)', html, re.S).group(1)
    assert f'src="{cover.url}"' in img and "srcset" not in img
    assert "<source" not in html
    assert meta(html, "og:image").endswith(cover.url)


def test_listings_show_covers_lazy_after_the_first(client, make_image, small_widths):
    cover = make_image("PNG", (800, 500))
    for _ in range(3):
        PostFactory(cover_image=cover)
    html = page(client, "/")
    loading = re.findall(r'<figure class="cover-image">.*?loading="(\w+)"', html, re.S)
    assert loading == ["eager", "lazy", "lazy"]


def test_feeds_carry_the_cover_as_an_enclosure(client, make_image, small_widths):
    cover = make_image("JPEG", (1200, 800))
    PostFactory(cover_image=cover)
    PostFactory()
    rss = feedparser.parse(client.get("/feed/").content)
    with_cover = [e for e in rss.entries if e.get("enclosures")]
    assert len(with_cover) == 1
    enclosure = with_cover[0].enclosures[0]
    assert enclosure.type == "image/jpeg"
    assert enclosure.href.startswith("http") and enclosure.href.endswith(cover.url)
    assert int(enclosure.length) == cover.social.size > 0
    atom = feedparser.parse(client.get("/feed/atom/").content)
    assert [e.enclosures[0].href for e in atom.entries if e.get("enclosures")] == [enclosure.href]


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feed_bodies_link_pictures_and_sections_at_absolute_urls(client, make_image, url):
    """A feed reader has no page to resolve `/media/…` or `#…` against."""
    picture = make_image("PNG", (640, 400), renditions=False, alt_text="Quay")
    post = PostFactory(
        body=f"![Quay](image:{picture.pk})\n\nSee [the notes](#notes) and [home](/).\n\n"
        "## Notes\n\nA link [elsewhere](https://example.org/a?b=1&c=2)."
    )
    entry = feedparser.parse(client.get(url).content).entries[0]
    body = html.unescape(entry.summary)  # RSS's description, Atom's summary
    post_url = f"http://testserver{post.get_absolute_url()}"
    sources = re.findall(r'<img [^>]*src="([^"]+)"', body)
    assert sources == [f"http://testserver{picture.file.url}"]
    links = re.findall(r'<a [^>]*href="([^"]+)"', body)
    assert f"{post_url}#notes" in links and "http://testserver/" in links
    assert "https://example.org/a?b=1&c=2" in links
    assert not [link for link in sources + links if not link.startswith("http")]


def queries(client, url: str) -> int:
    cache.clear()  # measure the page as built: no cached page, piece or site settings
    forget_site_values()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


LISTINGS = ["/", "/category/c/", "/author/writer/", "/feed/", "/feed/atom/"]


def test_listing_queries_do_not_grow_with_covers(client, make_image, small_widths):
    """Each post its own cover (with renditions): 3 posts or 10, the same number of queries,
    on every listing (one set of posts for all of them: each cover is an image decoded in
    a child process, the costly part of this test)."""
    category, author = CategoryFactory(name="C", slug="c"), AuthorFactory(username="writer")

    def posts(n):
        for _ in range(n):
            PostFactory(category=category, author=author, cover_image=make_image("PNG", (200, 120)))

    posts(3)
    few = {url: queries(client, url) for url in LISTINGS}
    posts(7)
    many = {url: queries(client, url) for url in LISTINGS}
    assert many == few, f"queries for 3 posts with covers {few}, for 10 {many}"


def test_post_page_with_cover_stays_within_budget(
    client, make_image, small_widths, django_assert_max_num_queries
):
    post = PostFactory(cover_image=make_image("PNG", (200, 120)))
    # 13 without a cover (10, and the comment thread's 2 and rules 1); +1 for the renditions.
    with django_assert_max_num_queries(14):
        page(client, post.get_absolute_url())


def test_new_renditions_and_texts_of_a_cover_show_at_once(
    client, make_image, small_widths, settings, django_capture_on_commit_callbacks
):
    """Pieces of pages are kept (blog/fragments.py): what changes an image retires them."""
    settings.PAGE_CACHE_SECONDS = 0
    cover = make_image("JPEG", (800, 500), renditions=False)
    post = PostFactory(cover_image=cover)
    assert "srcset" not in re.search(
        r'<figure class="cover-image">.*?</figure>', page(client, post.get_absolute_url()), re.S
    ).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        services.renditions_make(image=cover)
    for url in ("/", post.get_absolute_url()):
        figure = re.search(r'<figure class="cover-image">.*?</figure>', page(client, url), re.S)
        assert "srcset" in figure.group(0), url
    with django_capture_on_commit_callbacks(execute=True):
        cover.alt_text = "Boats in the fog"
        cover.save()
    assert 'alt="Boats in the fog"' in page(client, post.get_absolute_url())
