"""RSS and Atom feeds parse, and carry public posts with their metadata."""

import feedparser
import pytest

from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/category/c/feed/", "/tag/t/feed/"])
def test_feeds_parse_and_list_public_posts(client, url):
    category, tag = CategoryFactory(name="C", slug="c"), TagFactory(name="t", slug="t")
    post = PostFactory(title="Feed me", category=category, tags=[tag], body="**bold** words")
    PostFactory(title="Hidden", category=category, tags=[tag], draft=True)
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == ["Feed me"]
    entry = feed.entries[0]
    assert entry.link.endswith(post.get_absolute_url())
    assert "<strong>bold</strong>" in (entry.get("summary") or entry.content[0].value)
    assert entry.author == post.author.public_name


@pytest.mark.parametrize("url", ["/category/missing/feed/", "/tag/missing/feed/", "/feed/x/"])
def test_unknown_feed_urls_are_404(client, url):
    assert client.get(url).status_code == 404


def test_the_feed_is_cached_like_a_page_so_nginx_keeps_a_copy(client, db):
    """Issue 33: marked public (nginx stores it and serves it stale while the database is
    away) and kept in the page cache, retired with the pages."""
    from tests.factories import PostFactory

    PostFactory()
    first = client.get("/feed/")
    assert first.status_code == 200
    assert "public" in first["Cache-Control"] and "s-maxage=" in first["Cache-Control"]
    assert first["X-Page-Cache"] == "miss"
    assert client.get("/feed/")["X-Page-Cache"] == "hit"
    assert client.get("/feed/?utm_source=x")["X-Page-Cache"] == "hit"
