"""Expiry: a post leaves every reader path at the second its `expires_at` passes, with no
job run and whatever the caches hold; the sweep then runs its side effects once."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
import time_machine
from django.utils import timezone

from blog.models import Post, PostTombstone
from blog.selectors import next_scheduled_at
from blog.services import post_update
from blog.sweep import publish_sweep
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring():
    """A public post that expires in two hours, and one that stays, in the same places."""
    category, tag = CategoryFactory(name="Offers", slug="offers"), TagFactory(name="sale")
    writer = AuthorFactory(username="writer")
    published = timezone.now() - timedelta(days=1)
    stays = PostFactory(
        title="Harbour guide stays",
        body="lighthouse keepers",
        category=category,
        tags=[tag],
        author=writer,
        published_at=published - timedelta(hours=1),
    )
    leaves = PostFactory(
        title="Harbour offer leaves",
        body="lighthouse keepers",
        category=category,
        tags=[tag],
        author=writer,
        published_at=published,
        expires_at=timezone.now() + timedelta(hours=2),
    )
    return stays, leaves


def reader_urls(post: Post) -> list[str]:
    month = timezone.localtime(post.published_at)
    return [
        "/",
        "/posts/",
        "/category/offers/",
        "/tag/sale/",
        "/author/writer/",
        f"/archive/{month.year}/{month.month}/",
        "/search/?q=lighthouse",
        "/feed/",
        "/feed/atom/",
        "/category/offers/feed/",
        "/tag/sale/feed/",
        "/sitemap-posts.xml",
        "/api/posts/",
        "/api/posts/?search=lighthouse",
        "/api/posts/?author=writer",
    ]


def shows(client, url: str, post: Post) -> bool:
    response = client.get(url, HTTP_ACCEPT="*/*")
    assert response.status_code == 200, url
    body = response.content.decode()
    return post.title in body or post.get_absolute_url() in body


def test_an_expired_post_leaves_every_reader_path_at_the_second_with_warm_caches(client, expiring):
    stays, leaves = expiring
    urls = reader_urls(leaves)
    for url in urls:  # warms the page cache, the kept counts and the pieces
        assert shows(client, url, leaves), url
        assert shows(client, url, leaves), url  # now from the caches
    assert client.get(leaves.get_absolute_url()).status_code == 200
    assert client.get(f"/api/posts/{leaves.pk}/").status_code == 200
    assert "2 posts" in client.get("/archive/").content.decode()
    with time_machine.travel(leaves.expires_at - timedelta(seconds=1), tick=False):
        assert shows(client, "/", leaves)  # a second before: still there
    with time_machine.travel(leaves.expires_at, tick=False):
        for url in urls:
            assert not shows(client, url, leaves), url
            assert shows(client, url, stays) or "feed" in url or "sitemap" in url, url
        assert client.get(leaves.get_absolute_url()).status_code == 404
        assert client.get(f"/api/posts/{leaves.pk}/").status_code == 404
        assert "1 post," in client.get("/archive/").content.decode()
        assert client.get("/api/posts/").json()["count"] == 1
        assert client.get("/api/authors/writer/").json()["post_count"] == 1
        assert leaves.get_absolute_url() not in client.get("/sitemap-posts.xml").content.decode()
        entries = feedparser.parse(client.get("/feed/").content).entries
        assert [entry.title for entry in entries] == [stays.title]


def test_the_next_scheduled_change_is_the_next_go_live_or_expiry(expiring):
    _stays, leaves = expiring
    assert next_scheduled_at() == leaves.expires_at
    sooner = PostFactory(published_at=timezone.now() + timedelta(hours=1))
    assert next_scheduled_at() == sooner.published_at
    # A scheduled post that also expires: its go-live comes first.
    post_update(
        post=sooner, data={"expires_at": sooner.published_at + timedelta(days=1)}, user=None
    )
    assert next_scheduled_at() == sooner.published_at


def test_state_marker_and_tombstone_follow_the_clock(client, expiring):
    _stays, leaves = expiring
    publish_sweep()  # announced: its go-live side effects ran
    assert leaves.state == Post.State.PUBLISHED
    before = leaves.changed_at
    with time_machine.travel(leaves.expires_at + timedelta(seconds=5), tick=False):
        leaves.refresh_from_db()
        assert leaves.state == Post.State.EXPIRED and not leaves.is_public
        assert leaves.changed_at == leaves.expires_at > before
        # The tombstone is there at once, read from the post (no sweep has run).
        rows = client.get("/api/posts/tombstones/").json()["results"]
        assert rows == [
            {
                "id": leaves.pk,
                "slug": leaves.slug,
                "reason": "expired",
                "at": leaves.expires_at.isoformat().replace("+00:00", "Z"),
            }
        ]
        assert not PostTombstone.objects.exists()
        publish_sweep()
        # The sweep writes the same row: listed once, at the same place.
        assert client.get("/api/posts/tombstones/").json()["results"] == rows
        tombstone = PostTombstone.objects.get()
        assert (tombstone.reason, tombstone.at) == ("expired", leaves.expires_at)


def test_the_sweep_runs_the_expiry_side_effects_once(expiring):
    _stays, leaves = expiring
    Endpoint.objects.create(url="https://hooks.example.com/in")
    publish_sweep()  # the go-live side effects
    Delivery.objects.all().delete()
    with time_machine.travel(leaves.expires_at + timedelta(seconds=30), tick=False):
        publish_sweep()
        publish_sweep()
        [delivery] = Delivery.objects.all()
        assert delivery.event == "post.unpublished"
        assert delivery.payload["data"]["post"]["state"] == "expired"
        leaves.refresh_from_db()
        assert leaves.announced_at is None
        # Its expiry moved later: public again, and announced again by the sweep.
        post_update(post=leaves, data={"expires_at": None}, user=None)
        publish_sweep()
        assert [d.event for d in Delivery.objects.order_by("pk")] == [
            "post.unpublished",
            "post.published",
        ]


def test_a_write_of_an_expired_post_before_the_sweep_retires_it_first(expiring):
    _stays, leaves = expiring
    Endpoint.objects.create(url="https://hooks.example.com/in")
    with time_machine.travel(leaves.expires_at + timedelta(seconds=5), tick=False):
        post_update(
            post=leaves, data={"status": Post.Status.DRAFT, "published_at": None}, user=None
        )
        assert "post.unpublished" in [d.event for d in Delivery.objects.all()]
        tombstone = PostTombstone.objects.get(post_id=leaves.pk)
        assert tombstone.reason == "expired"


def test_setting_an_expiry_in_the_past_hides_the_post_like_an_unpublish(client, expiring):
    stays, _leaves = expiring
    assert shows(client, "/", stays)
    post_update(post=stays, data={"expires_at": timezone.now() - timedelta(minutes=1)}, user=None)
    assert client.get(stays.get_absolute_url()).status_code == 404
    assert PostTombstone.objects.get(post_id=stays.pk).reason == "unpublished"


def admin_form(post, **overrides) -> dict:
    data = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "excerpt": "",
        "category": "",
        "tags": [],
        "published_at": "",
        "expires_at": "",
        "author": post.author_id,
        "coauthors": "",
        "version": post.version,
    }
    return {**data, **overrides}


def test_the_admin_form_sets_an_expiry_after_the_publication_only(client_for, editor):
    post = PostFactory(author=editor)
    client = client_for(editor)
    url = f"/admin/blog/post/{post.pk}/change/"
    body = client.get(url).content.decode()
    assert 'name="expires_at"' in body
    early = (post.published_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, admin_form(post, expires_at=early, _action="update"))
    assert response.status_code == 200
    assert "The expiry must be after the publication time." in response.content.decode()
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, admin_form(post, expires_at=later, _action="update"))
    assert response.status_code == 302, response.content.decode()[:3000]
    post.refresh_from_db()
    assert post.expires_at is not None and post.is_public


def test_the_admin_form_hides_the_expiry_from_who_may_not_publish(client_for, contributor):
    post = PostFactory(author=contributor, draft=True)
    body = client_for(contributor).get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'name="expires_at"' not in body and 'name="coauthors"' not in body


def test_the_admin_list_shows_and_filters_expired_posts(client_for, editor, expiring):
    _stays, leaves = expiring
    client = client_for(editor)
    with time_machine.travel(leaves.expires_at + timedelta(seconds=5), tick=False):
        body = client.get("/admin/blog/post/?state=expired").content.decode()
        assert leaves.title in body and "state-expired" in body
        assert "Harbour guide stays" not in body
