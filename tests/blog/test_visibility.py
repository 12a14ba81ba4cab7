"""Drafts and scheduled posts never reach anonymous readers, and go public on time."""

from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest
import time_machine
from django.utils import timezone

from blog.services import post_update
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts():
    category, tag = CategoryFactory(name="News"), TagFactory(name="launch")
    public = PostFactory(
        title="Public harbour lights",
        body="lighthouse keepers",
        category=category,
        tags=[tag],
        published_at=timezone.now() - timedelta(days=1),
    )
    draft = PostFactory(
        title="Draft harbour secrets",
        body="lighthouse keepers",
        category=category,
        tags=[tag],
        author=public.author,
        draft=True,
    )
    scheduled = PostFactory(
        title="Scheduled harbour news",
        body="lighthouse keepers",
        category=category,
        tags=[tag],
        author=public.author,
        published_at=timezone.now() + timedelta(hours=2),
    )
    return public, draft, scheduled


def reader_urls(public):
    month = timezone.localtime(public.published_at)
    return [
        "/",
        "/category/news/",
        "/tag/launch/",
        f"/author/{public.author.username}/",
        f"/archive/{month.year}/{month.month}/",
        "/search/?q=lighthouse",
        "/feed/",
        "/feed/atom/",
        "/category/news/feed/",
        "/tag/launch/feed/",
        "/sitemap-posts.xml",
    ]


def test_no_draft_or_scheduled_post_reaches_anonymous_readers(client, posts):
    public, draft, scheduled = posts
    for url in reader_urls(public):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert public.slug in body or public.title in body or "search" in url, url
        assert draft.title not in body and draft.slug not in body, url
        assert scheduled.title not in body and scheduled.slug not in body, url
    # Scheduled posts are dated in the future: their month's archive shows none of them.
    month = timezone.localtime(scheduled.published_at)
    body = client.get(f"/archive/{month.year}/{month.month}/").content.decode()
    assert scheduled.title not in body and draft.title not in body
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404


def test_logged_in_reader_without_role_sees_no_drafts(client_for, reader, posts):
    _public, draft, scheduled = posts
    client = client_for(reader)
    assert draft.title not in client.get("/").content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(scheduled.get_absolute_url()).status_code == 404


def test_scheduled_post_goes_public_on_time(client, posts):
    _public, _draft, scheduled = posts
    assert scheduled.title not in client.get("/").content.decode()  # also warms the cache
    with time_machine.travel(scheduled.published_at + timedelta(seconds=1), tick=False):
        assert scheduled.title in client.get("/").content.decode()
        assert client.get(scheduled.get_absolute_url()).status_code == 200
        feed = feedparser.parse(client.get("/feed/").content)
        assert scheduled.title in [entry.title for entry in feed.entries]
        sitemap = client.get("/sitemap-posts.xml").content.decode()
        assert scheduled.get_absolute_url() in sitemap


def test_unpublishing_removes_a_cached_post_at_once(
    client, posts, django_capture_on_commit_callbacks
):
    public, _draft, _scheduled = posts
    assert public.title in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        post_update(post=public, data={"status": public.Status.DRAFT}, user=None)
    assert public.title not in client.get("/").content.decode()
    assert client.get(public.get_absolute_url()).status_code == 404


def test_sitemap_is_xml_listing_only_public_posts(client, posts):
    public, draft, scheduled = posts
    ns = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.findall("sm:sitemap/sm:loc", ns)]
    assert {s.rsplit("/", 1)[1] for s in sections} == {
        "sitemap-home.xml",
        "sitemap-posts.xml",
        "sitemap-pages.xml",
        "sitemap-categories.xml",
        "sitemap-tags.xml",
        "sitemap-authors.xml",
        "sitemap-months.xml",
    }
    locations = []
    for section in sections:
        root = ElementTree.fromstring(client.get(section).content)
        locations += [loc.text for loc in root.findall("sm:url/sm:loc", ns)]
    assert any(loc.endswith(public.get_absolute_url()) for loc in locations)
    post_locations = [loc for loc in locations if "/posts/" in loc]
    assert len(post_locations) == 1
    assert not any(draft.slug in loc or scheduled.slug in loc for loc in locations)
