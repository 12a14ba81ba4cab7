"""A mirror that follows docs/api.md's "Keeping a copy in sync" converges (issue 25, 3).

Over real HTTP against a threaded server on PostgreSQL: three writers create, edit,
retag, reschedule (scheduled go-lives a second or few ahead), set expiries (a second or
few ahead, or none), unpublish, publish, delete and re-slug posts, rename tags and edit
categories, while a mirror runs the documented recipe (tombstone pages, then cursor pages,
as an anonymous reader) and a sweep runs like beat's. When the writers stop and the last
go-live or expiry has settled, one more round of the recipe must leave the mirror equal
to what the server shows the public, post by post and field by field; and the webhook
events, applied in each post's `sequence` order, must name the same live posts. The
figures are printed (run with `-s` to see them).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from api.pagination import SETTLE_SECONDS
from blog.models import Post
from blog.services import post_update
from blog.sweep import publish_sweep
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory
from webhooks.models import Delivery, Endpoint

from .test_lost_updates import _session

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 3
WRITING_SECONDS = 20
MAX_SCHEDULE_AHEAD = 4.0  # seconds


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


class Mirror:
    """The recipe of docs/api.md, step by step: a client's copy of the public posts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()  # anonymous, as any reader
        self.posts: dict[int, dict] = {}
        self.post_cursor = ""
        self.tombstone_cursor = ""
        self.rounds = 0

    def _pages(self, url: str):
        while url:
            page = self.http.get(url, timeout=30)
            assert page.status_code == 200, page.text
            body = page.json()
            yield body
            # `next` is on the configured site origin; this site is the live server.
            url = body["next"] and self.base + body["next"].removeprefix(settings.SITE_URL)

    def sync(self) -> None:
        # 1. Tombstones since the last round: drop a copy unless it is newer.
        url = f"{self.base}/api/posts/tombstones/?limit=100"
        if self.tombstone_cursor:
            url += f"&cursor={self.tombstone_cursor}"
        for page in self._pages(url):
            for tombstone in page["results"]:
                copy = self.posts.get(tombstone["id"])
                if copy and _time(copy["changed_at"]) <= _time(tombstone["at"]):
                    del self.posts[tombstone["id"]]
            self.tombstone_cursor = page["cursor"] or self.tombstone_cursor
        # 2. Cursor pages from where the last round stopped: keep the newer version.
        url = f"{self.base}/api/posts/?page_size=100&cursor={self.post_cursor}"
        for page in self._pages(url):
            for post in page["results"]:
                copy = self.posts.get(post["id"])
                if copy is None or _time(copy["changed_at"]) <= _time(post["changed_at"]):
                    self.posts[post["id"]] = post
            self.post_cursor = page["cursor"]
        self.rounds += 1


class Writer:
    """One editor doing random things to random posts, tags and categories."""

    KINDS = {
        "create": 26,
        "edit": 18,
        "retag": 6,
        "reschedule": 10,
        "expire": 8,
        "unpublish": 10,
        "publish": 10,
        "delete": 6,
        "reslug": 6,
        "rename_tag": 4,
        "edit_category": 4,
    }

    def __init__(self, base: str, username: str, shared: dict, seed: int) -> None:
        self.base, self.shared = base, shared
        self.http = _session(base, username)
        self.random = random.Random(seed)
        self.done: Counter[str] = Counter()
        self.errors: list[BaseException] = []  # a failure in a thread fails the test
        self.name = username

    def _post_id(self) -> int:
        with self.shared["lock"]:
            return self.random.choice(self.shared["posts"])

    def _soon(self) -> str:
        ahead = timedelta(seconds=self.random.uniform(0.5, MAX_SCHEDULE_AHEAD))
        return (timezone.now() + ahead).isoformat()

    def _tags(self) -> list[str]:
        with self.shared["lock"]:
            return self.random.sample(self.shared["tags"], self.random.randint(0, 2))

    def run(self, until: float) -> None:
        kinds, weights = zip(*self.KINDS.items(), strict=True)
        n = 0
        try:
            while time.monotonic() < until:
                n += 1
                kind = self.random.choices(kinds, weights)[0]
                ok = getattr(self, kind)(f"{self.name}-{n}")
                self.done[kind if ok else f"{kind} (refused)"] += 1
        except BaseException as error:  # reported by the test
            self.errors.append(error)
        finally:
            connection.close()

    def _patch(self, data: dict) -> bool:
        response = self.http.patch(f"{self.base}/api/posts/{self._post_id()}/", json=data)
        # 404: deleted by another; 409: a publication time after the stored expiry.
        refused = response.status_code == 409 and "expires_at" in response.text
        assert response.status_code in (200, 404) or refused, response.text
        return response.status_code == 200

    def create(self, n: str) -> bool:
        data = {"title": f"Post {n}", "body": f"Body of {n}", "tags": self._tags()}
        choice = self.random.random()
        if choice < 0.4:
            data["status"] = "published"
        elif choice < 0.7:
            data |= {"status": "published", "published_at": self._soon()}
        with self.shared["lock"]:
            data["category_id"] = self.random.choice(self.shared["categories"])[0]
        response = self.http.post(f"{self.base}/api/posts/", json=data)
        assert response.status_code == 201, response.text
        with self.shared["lock"]:
            self.shared["posts"].append(response.json()["id"])
        return True

    def edit(self, n: str) -> bool:
        return self._patch({"title": f"Edited {n}", "body": f"Edited body {n}"})

    def retag(self, n: str) -> bool:
        return self._patch({"tags": self._tags()})

    def reschedule(self, n: str) -> bool:
        return self._patch({"status": "published", "published_at": self._soon()})

    def expire(self, n: str) -> bool:
        # Mostly a second or few ahead (the post leaves public view by the clock); now
        # and then none (an expired post comes back).
        return self._patch({"expires_at": self._soon() if self.random.random() < 0.8 else None})

    def unpublish(self, n: str) -> bool:
        return self._patch({"status": "draft", "published_at": None})

    def publish(self, n: str) -> bool:
        return self._patch({"status": "published"})

    def delete(self, n: str) -> bool:
        response = self.http.delete(f"{self.base}/api/posts/{self._post_id()}/")
        return response.status_code == 204

    def reslug(self, n: str) -> bool:
        # The admin's way (the API cannot change a slug yet): the service, under its lock.
        post = Post.objects.filter(pk=self._post_id()).first()
        if post is None:
            return False
        try:
            post_update(post=post, data={"slug": f"moved-{n}"}, user=None, only_given=True)
        except Post.DoesNotExist:
            return False  # deleted meanwhile
        return True

    def rename_tag(self, n: str) -> bool:
        with self.shared["lock"]:
            slug = self.random.choice(self.shared["tags"])
        response = self.http.patch(f"{self.base}/api/tags/{slug}/", json={"name": f"Tag {n}"})
        assert response.status_code == 200, response.text
        return True

    def edit_category(self, n: str) -> bool:
        with self.shared["lock"]:
            slug = self.random.choice(self.shared["categories"])[1]
        url = f"{self.base}/api/categories/{slug}/"
        response = self.http.patch(url, json={"description": f"Now {n}"})
        assert response.status_code == 200, response.text
        return True


def _public_state(base: str, editor: requests.Session) -> dict[int, dict]:
    """What the server shows the public now (an editor's token skips the page cache)."""
    posts: dict[int, dict] = {}
    url = f"{base}/api/posts/published/?page_size=100"
    while url:
        body = editor.get(url, timeout=30).json()
        posts |= {post["id"]: post for post in body["results"]}
        url = body["next"] and base + body["next"].removeprefix(settings.SITE_URL)
    return posts


def _live_by_webhooks() -> tuple[set[int], int]:
    """The posts live by the webhook events, each post's applied in `sequence` order."""
    latest: dict[int, tuple[int, str]] = {}
    deliveries = Delivery.objects.values_list("event", "payload")
    for event, payload in deliveries:
        post = payload["data"]["post"]
        if post["id"] not in latest or latest[post["id"]][0] < post["sequence"]:
            latest[post["id"]] = (post["sequence"], event)
    live = {pk for pk, (_, event) in latest.items() if event in ("post.published", "post.updated")}
    return live, len(deliveries)


def test_a_mirror_following_the_recipe_converges_under_concurrent_writers(live_server, settings):
    base = live_server.url
    # Deliveries are logged (payload and all) and refused by the SSRF guard: no network.
    Endpoint.objects.create(url="http://127.0.0.1:9/hook")
    categories = [CategoryFactory(name=f"Section {i}") for i in range(3)]
    tags = [TagFactory(name=f"Topic {i}") for i in range(6)]
    initial = [PostFactory(title=f"Initial {i}", category=categories[i % 3]) for i in range(20)]
    publish_sweep()
    shared = {
        "lock": threading.Lock(),
        "posts": [post.pk for post in initial],
        "tags": [tag.slug for tag in tags],  # renames keep the slug
        "categories": [(c.pk, c.slug) for c in categories],
    }
    for i in range(WRITERS):
        EditorFactory(username=f"writer{i}")
    writers = [Writer(base, f"writer{i}", shared, seed=i) for i in range(WRITERS)]
    mirror = Mirror(base)
    stop = threading.Event()
    errors: list[BaseException] = []

    def mirroring() -> None:
        try:
            while not stop.is_set():
                mirror.sync()
                time.sleep(0.2)
        except BaseException as error:
            errors.append(error)

    def sweeping() -> None:  # beat's every minute, made every second
        try:
            while not stop.is_set():
                publish_sweep()
                time.sleep(1)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    started = time.monotonic()
    until = started + WRITING_SECONDS
    threads = [threading.Thread(target=w.run, args=(until,)) for w in writers]
    threads += [threading.Thread(target=mirroring), threading.Thread(target=sweeping)]
    for thread in threads:
        thread.start()
    for thread in threads[:WRITERS]:
        thread.join(WRITING_SECONDS + 30)
    time.sleep(MAX_SCHEDULE_AHEAD + SETTLE_SECONDS + 0.5)  # the last go-live or expiry settles
    stop.set()
    for thread in threads[WRITERS:]:
        thread.join(30)
    assert not errors + [e for w in writers for e in w.errors], errors
    publish_sweep()
    mirror.sync()  # the recipe's next round, after the writers stopped

    server = _public_state(base, writers[0].http)
    missing = server.keys() - mirror.posts.keys()
    extra = mirror.posts.keys() - server.keys()
    stale = {
        pk: sorted(f for f in server[pk] if server[pk][f] != mirror.posts[pk].get(f))
        for pk in server.keys() & mirror.posts.keys()
        if server[pk] != mirror.posts[pk]
    }
    live_by_webhooks, deliveries = _live_by_webhooks()
    operations = sum((w.done for w in writers), Counter())
    print(
        f"\nmirror: {sum(operations.values())} writer operations {dict(operations)}; "
        f"{Post.objects.count()} posts, {len(server)} public compared field by field "
        f"after {mirror.rounds} mirror rounds in {time.monotonic() - started:.0f} s; "
        f"divergences: {len(missing)} missing, {len(extra)} extra, {len(stale)} stale; "
        f"webhooks: {deliveries} events, "
        f"{len(live_by_webhooks ^ server.keys())} posts live by them but not public or back"
    )
    assert sum(operations[k] for k in Writer.KINDS) > 100, operations
    assert all(operations[k] for k in Writer.KINDS), operations
    assert (missing, extra, stale) == (set(), set(), {})
    assert live_by_webhooks == server.keys()
