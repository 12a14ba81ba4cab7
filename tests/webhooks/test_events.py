"""What each post event says, and that none is skipped: the payloads a mirror relies on
(issue 25, finding 3). Deliveries are read from the log; sending is tested elsewhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.services import post_delete, post_unpublish, post_update
from blog.sweep import publish_sweep
from tests.factories import PostFactory, TagFactory
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint():
    return Endpoint.objects.create(url="https://hooks.example.com/in")


def events() -> list[tuple[str, dict]]:
    return [(d.event, d.payload["data"]["post"]) for d in Delivery.objects.order_by("pk")]


def test_payloads_have_absolute_urls_api_times_and_a_growing_sequence(endpoint, settings, api):
    settings.SITE_URL = "https://news.example.com"
    post = PostFactory(title="Hooked")
    publish_sweep()
    post_update(post=post, data={"title": "Hooked again"}, user=None)
    post_unpublish(post=post, user=None)
    [(first, published), (second, updated), (third, unpublished)] = events()
    assert (first, second, third) == ("post.published", "post.updated", "post.unpublished")
    assert published["url"] == f"https://news.example.com/posts/{post.slug}/"
    row = api.get(f"/api/posts/{post.pk}/")
    assert row.status_code == 404  # a draft now; compare the time format with a public one
    shown = api.get(f"/api/posts/{PostFactory().pk}/").json()["updated_at"]
    assert len(updated["updated_at"]) == len(shown)  # microseconds, as the API writes them
    assert updated["updated_at"].endswith("Z") and "." in updated["updated_at"]
    assert published["sequence"] < updated["sequence"] < unpublished["sequence"]


def test_a_post_live_by_the_clock_and_taken_down_before_the_sweep_is_announced(
    endpoint, time_machine
):
    post = PostFactory(published_at=timezone.now() + timedelta(minutes=1))
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=True)  # no sweep ran
    post_unpublish(post=post, user=None)
    assert [event for event, _ in events()] == ["post.published", "post.unpublished"]
    post.refresh_from_db()
    assert post.first_public_at is not None


def test_one_deleted_before_the_sweep_is_announced_too(endpoint, time_machine):
    post = PostFactory(published_at=timezone.now() + timedelta(minutes=1))
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=True)
    post_delete(post=post)
    assert [event for event, _ in events()] == ["post.published", "post.deleted"]


def test_renaming_a_tag_sends_post_updated_for_its_public_posts(
    endpoint, django_capture_on_commit_callbacks
):
    tag = TagFactory(name="Rust")
    public = PostFactory(tags=[tag])
    PostFactory(tags=[tag], draft=True)
    publish_sweep()
    Delivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # sent after the commit
        tag.name = "Rust 2"
        tag.save()
    assert [(event, data["id"]) for event, data in events()] == [("post.updated", public.pk)]


def test_a_sweep_that_waited_for_a_retire_never_announces_the_expired_post(endpoint, time_machine):
    """The race the mirror test met (one post live by its webhooks, not public): a sweep
    builds its query of unannounced public posts, waits for the lock while another
    sweep retires a post that just expired (announced no more), then runs the query with
    the clock it read before: the expired post looked public, was announced again, and
    its last event said "published". Replayed with the query built before the expiry."""
    from blog import sweep

    now = timezone.now()
    post = PostFactory(published_at=now - timedelta(hours=1), expires_at=now + timedelta(seconds=5))
    publish_sweep()
    waited = sweep._unannounced()  # built now; run once the retire has committed
    time_machine.move_to(now + timedelta(seconds=10), tick=True)
    publish_sweep()  # the other sweep: retires the expired post
    assert sweep._announce(waited) == []
    assert [event for event, data in events() if data["id"] == post.pk] == [
        "post.published",
        "post.unpublished",
    ]
