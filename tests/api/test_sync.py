"""Keeping a copy in sync: updated-since filters, cursor crawls, tombstones."""

import threading
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from blog.models import Post
from tests.factories import EditorFactory, PostFactory

from .test_lost_updates import _session


@pytest.mark.django_db
def test_updated_after_lists_in_sync_order(api):
    old, middle, new = PostFactory(), PostFactory(), PostFactory()
    now = timezone.now()
    for post, hours in ((old, 3), (middle, 2), (new, 1)):
        Post.objects.filter(pk=post.pk).update(updated_at=now - timedelta(hours=hours))
    since = (now - timedelta(hours=2, minutes=30)).isoformat()
    response = api.get("/api/posts/", {"updated_after": since})
    assert [row["id"] for row in response.json()["results"]] == [middle.pk, new.pk]
    before = (now - timedelta(hours=1, minutes=30)).isoformat()
    response = api.get("/api/posts/", {"updated_before": before})
    assert [row["id"] for row in response.json()["results"]] == [old.pk, middle.pk]


@pytest.mark.django_db
def test_a_malformed_cursor_is_a_400_an_unknown_one_a_404(api):
    assert api.get("/api/posts/?cursor=no+such!").status_code == 400  # outside its alphabet
    assert api.get("/api/posts/?cursor=nonsense").status_code == 404  # DRF's CursorPagination
    # Cursor pages always come in sync order: `ordering` and `page` are refused, not ignored.
    response = api.get("/api/posts/?cursor=&ordering=title&page=2")
    assert response.status_code == 400, response.content
    assert {e["field"] for e in response.json()["errors"]} == {"ordering", "page"}
    assert api.get("/api/posts/?cursor=&page_size=5").json()["count"] is None


@pytest.mark.django_db(transaction=True)
def test_a_cursor_crawl_never_skips_or_repeats_while_others_publish(live_server):
    EditorFactory(username="publisher")
    existing = {PostFactory(title=f"Old {i}").pk for i in range(40)}
    Post.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    publisher = _session(live_server.url, "publisher")
    crawling = threading.Event()
    published: list[int] = []

    def publish() -> None:
        crawling.wait(10)
        for i in range(15):
            response = publisher.post(
                f"{live_server.url}/api/posts/",
                json={"title": f"New {i}", "body": "b", "status": "published"},
                timeout=30,
            )
            assert response.status_code == 201, response.text
            published.append(response.json()["id"])

    thread = threading.Thread(target=publish)
    thread.start()
    seen: list[int] = []
    url = f"{live_server.url}/api/posts/?cursor=&page_size=4&fields=id"
    while url:
        page = requests.get(url, timeout=30).json()
        seen += [row["id"] for row in page["results"]]
        crawling.set()
        # `next` starts with the configured site origin; this site is the live server.
        url = page["next"] and live_server.url + page["next"].removeprefix(settings.SITE_URL)
    thread.join(60)
    assert len(published) == 15
    assert len(seen) == len(set(seen)), "a post came twice"
    assert existing <= set(seen), "a post was skipped"
    assert set(seen) <= existing | set(published)
    # The page-number pages the crawl replaces would have shifted under the publisher.
    resumed = requests.get(f"{live_server.url}/api/posts/?cursor={page['cursor']}", timeout=30)
    assert not set(row["id"] for row in resumed.json()["results"]) & set(seen)


@pytest.mark.django_db
def test_tombstones_for_deleted_and_unpublished_posts_only(api):
    gone, hidden, draft, kept = PostFactory(), PostFactory(), PostFactory(draft=True), PostFactory()
    start, gone_id = timezone.now(), gone.pk
    gone.delete()
    draft.delete()
    hidden.status = Post.Status.DRAFT
    hidden.save()
    body = api.get("/api/posts/tombstones/").json()
    assert [(row["id"], row["reason"]) for row in body["results"]] == [
        (gone_id, "deleted"),
        (hidden.pk, "unpublished"),
    ]
    assert body["next"] is None
    later = api.get("/api/posts/tombstones/", {"since": timezone.now().isoformat()}).json()
    assert later["results"] == []
    first = api.get("/api/posts/tombstones/", {"since": start.isoformat(), "limit": 1}).json()
    assert [row["id"] for row in first["results"]] == [gone_id] and "since=" in first["next"]
    assert kept.pk not in {row["id"] for row in body["results"]}
