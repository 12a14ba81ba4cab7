"""The publish sweep and what a save sends: once per post, after commit, broker or not."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from blog.models import Post
from blog.sweep import BATCH_SIZE, post_went_public
from blog.tasks import publish_sweep
from devservers import start_redis
from pagecache.cache import GENERATION_KEY
from tests.factories import AuthorFactory, PostFactory
from tests.jobs.conftest import sending_to

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def announcements():
    """Every `post_went_public` the test causes, as lists of post ids."""
    seen: list[list[int]] = []

    def receiver(sender, post_ids, **kwargs):
        seen.append(list(post_ids))

    post_went_public.connect(receiver)
    yield seen
    post_went_public.disconnect(receiver)


def test_sweep_announces_a_scheduled_post_once_when_its_time_passes(time_machine, announcements):
    time_machine.move_to(START, tick=False)
    post = PostFactory(published_at=START + timedelta(hours=1))
    assert publish_sweep.delay().get() == 0
    generation = cache.get(GENERATION_KEY)

    time_machine.move_to(START + timedelta(hours=1, seconds=30), tick=False)
    assert Post.objects.public().filter(pk=post.pk).exists()  # public before any sweep
    assert publish_sweep.delay().get() == 1

    post.refresh_from_db()
    assert post.announced_at == timezone.now()
    assert announcements == [[post.pk]]
    assert cache.get(GENERATION_KEY) != generation  # cached pages retired
    generation = cache.get(GENERATION_KEY)

    time_machine.move_to(START + timedelta(hours=1, minutes=1, seconds=30), tick=False)
    assert publish_sweep.delay().get() == 0
    assert announcements == [[post.pk]]
    assert cache.get(GENERATION_KEY) == generation


def test_sweep_skips_drafts_and_announces_again_after_unpublishing(time_machine, announcements):
    time_machine.move_to(START, tick=False)
    post = PostFactory(published_at=START - timedelta(minutes=5))
    PostFactory(draft=True)
    assert publish_sweep.delay().get() == 1

    post.status = Post.Status.DRAFT
    post.save()  # back to draft: announced_at is cleared
    post.status = Post.Status.PUBLISHED
    post.save()

    assert publish_sweep.delay().get() == 1
    assert announcements == [[post.pk], [post.pk]]


def test_sweep_works_through_a_backlog_in_batches(time_machine, announcements):
    time_machine.move_to(START, tick=False)
    author = AuthorFactory()
    Post.objects.bulk_create(  # bulk_create sends no signals: nothing announced on save
        Post(
            title=f"Imported {n}",
            slug=f"imported-{n}",
            author=author,
            body="Imported.",
            status=Post.Status.PUBLISHED,
            published_at=START - timedelta(days=1, minutes=n),
        )
        for n in range(BATCH_SIZE + 5)
    )
    assert publish_sweep.delay().get() == BATCH_SIZE + 5
    assert [len(batch) for batch in announcements] == [BATCH_SIZE, 5]
    assert not Post.objects.filter(announced_at__isnull=True).exists()


def test_a_save_that_makes_a_post_public_announces_it_after_commit(
    django_capture_on_commit_callbacks, announcements
):
    with django_capture_on_commit_callbacks() as callbacks:
        post = PostFactory()
        assert announcements == []  # nothing before the commit
    for callback in callbacks:
        callback()

    post.refresh_from_db()
    assert post.announced_at is not None
    assert announcements == [[post.pk]]
    assert publish_sweep.delay().get() == 0


def test_a_rolled_back_save_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                PostFactory()
                raise RuntimeError("the editor's request fails after the save")
        except RuntimeError:
            pass
    assert callbacks == []


def test_broker_down_during_a_save_the_save_succeeds_and_the_sweep_catches_up(
    django_capture_on_commit_callbacks, caplog, announcements
):
    broker = start_redis()
    try:
        with sending_to(broker.url):
            with django_capture_on_commit_callbacks(execute=True):
                sent = PostFactory()  # broker up: the announcement is queued
            assert redis.Redis.from_url(broker.url).llen("celery") == 1

            broker.stop()  # the broker goes away
            started = time.monotonic()
            with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
                lost = PostFactory(title="Saved while the broker is down")
            assert time.monotonic() - started < 1  # one bounded attempt, no reconnect loop
    finally:
        broker.stop()

    assert Post.objects.filter(pk=lost.pk, title="Saved while the broker is down").exists()
    assert "Celery broker (sending from a request) unreachable" in caplog.text
    assert announcements == []  # no worker ran; nothing announced yet

    # The next sweep (beat, every minute) does what the lost message would have done.
    assert publish_sweep.delay().get() == 2
    assert announcements == [[sent.pk, lost.pk]]
    assert not Post.objects.filter(announced_at__isnull=True).exists()
