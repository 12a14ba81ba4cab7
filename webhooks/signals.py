"""Post events for webhooks, from the blog's own signals (blog never imports webhooks).

- post.published: when the publish sweep announces a post (`post_went_public`), so a
  scheduled post fires when it goes live, not when it was saved;
- post.updated: a save of a post that is live and already announced, and a change of
  what it shows made elsewhere (its tag renamed, its category edited: `posts_touched`);
- post.unpublished: a save that hides a post that was live (a post live by the clock
  but not yet announced is announced first, so it is never skipped);
- post.deleted: deleting a live post.

Each payload's `post` has `sequence`, which grows with every event of that post (the
event's moment in microseconds): a consumer ignores an event older than the last one it
applied, so a retried delivery arriving late never undoes a later change. URLs are
absolute (`BROADSHEET_SITE_URL`), times in the API's format.
"""

from __future__ import annotations

import time
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from rest_framework.fields import DateTimeField

from blog.models import Post, posts_touched
from blog.sweep import post_went_public
from core.origin import site_url

from .models import Endpoint, Event
from .services import dispatch

_api_time = DateTimeField().to_representation  # the API's own format (microseconds)


def sequence() -> int:
    """An event's place among its post's events: now, in microseconds.

    Events of one post are made under its row lock (a save, the sweep's claim), so they
    are stamped in the order they happen.
    """
    return time.time_ns() // 1000


def post_data(post: Post) -> dict:
    return {
        "post": {
            "id": post.pk,
            "slug": post.slug,
            "title": post.title,
            "url": site_url(post.get_absolute_url()),
            "state": post.state,
            "published_at": post.published_at and _api_time(post.published_at),
            "updated_at": _api_time(post.updated_at),
            "changed_at": _api_time(post.changed_at),
            "sequence": sequence(),
        }
    }


def _listening() -> bool:
    """Any endpoint, active or not: a disabled one's events are held for it."""
    return Endpoint.objects.exists()


@receiver(post_went_public, sender=Post)
def went_public(sender, post_ids: list[int], **kwargs) -> None:
    if _listening():
        for post in Post.objects.filter(pk__in=post_ids):
            dispatch(event=Event.PUBLISHED, data=post_data(post))


@receiver(posts_touched, sender=Post)
def touched(sender, post_ids: list[int], **kwargs) -> None:
    # After the commit, in a transaction of its own: a tag on 10,000 posts must not hold
    # the rename's transaction open while their deliveries are written, or the moved
    # markers would commit long after their stamp (api.pagination: SETTLE_SECONDS).
    transaction.on_commit(partial(_updated, post_ids), robust=True)


@transaction.atomic
def _updated(post_ids: list[int]) -> None:
    if _listening():
        live = Post.objects.public().filter(pk__in=post_ids, announced_at__isnull=False)
        for post in live.select_for_update().order_by("pk"):
            dispatch(event=Event.UPDATED, data=post_data(post))


@receiver(pre_save, sender=Post)
def remember_if_live(sender, instance: Post, **kwargs) -> None:
    instance._webhooks_was_live = bool(
        instance.pk
        and _listening()
        and Post.objects.filter(pk=instance.pk, announced_at__isnull=False).exists()
    )


@receiver(post_save, sender=Post)
def saved(sender, instance: Post, created: bool, **kwargs) -> None:
    if not getattr(instance, "_webhooks_was_live", False):
        return
    event = Event.UPDATED if instance.is_public else Event.UNPUBLISHED
    dispatch(event=event, data=post_data(instance))


@receiver(post_delete, sender=Post)
def deleted(sender, instance: Post, **kwargs) -> None:
    if instance.is_public and _listening():
        post = {"id": instance.pk, "slug": instance.slug, "sequence": sequence()}
        dispatch(event=Event.DELETED, data={"post": post})
