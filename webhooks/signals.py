"""Post events for webhooks, from the blog's domain events (`blog.events`; blog never
imports webhooks). Every post write sends those, the importers' bulk path included.

- post.published: when the publish sweep announces a post (`post_went_public`), so a
  scheduled post fires when it goes live, not when it was saved;
- post.updated: a write of a post that was live and announced and stays public
  (`post_updated`), and a change of what it shows made elsewhere (its tag renamed, its
  category edited: `posts_touched`);
- post.unpublished: a write that hides a post that was live and announced
  (`post_unpublished`; `blog.services` announces a post live by the clock but not yet
  announced first, so it is never skipped);
- post.deleted: deleting a live post (`post_deleted`);
- post.unpublished also when an announced post's `expires_at` passes: the sweep's
  `post_expired`, with `state: "expired"` (a receiver that follows "out of public view"
  needs no new event; one that cares tells the two apart by `state`).

Deliveries are rows written in the write's transaction (`dispatch`), sent after its
commit. The events say what each post was before the write, so a write of a post that
was never announced (every draft) costs no query here.

Each payload's `post` has `sequence`, which grows with every event of that post (the
event's moment in microseconds): a consumer ignores an event older than the last one it
applied, so a retried delivery arriving late never undoes a later change. URLs are
absolute (`BROADSHEET_SITE_URL`), times in the API's format.

Pages (`pages.Page`, rows of the posts' table) send no event: they are not posts, and a
`post.*` event would hand consumers a page as a post. (`post_went_public` and
`posts_touched` read `Post.objects`, which holds posts only; the others skip pages.)
"""

from __future__ import annotations

import time
from functools import partial

from django.db import transaction
from django.dispatch import receiver
from rest_framework.fields import DateTimeField

from blog.events import (
    post_deleted,
    post_expired,
    post_unpublished,
    post_updated,
    post_went_public,
    posts_touched,
)
from blog.models import Post, PostSnapshot
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


@receiver(post_expired, sender=Post)
def expired(sender, post_ids: list[int], **kwargs) -> None:
    if _listening():
        for post in Post.objects.filter(pk__in=post_ids):
            dispatch(event=Event.UNPUBLISHED, data=post_data(post))


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


@receiver(post_updated, sender=Post)
def updated(sender, posts: list[Post], before: dict[int, PostSnapshot], **kwargs) -> None:
    live = [
        post
        for post in posts
        if before[post.pk].announced_at and post.is_public and not post.at_site_root
    ]
    if live and _listening():
        for post in live:
            dispatch(event=Event.UPDATED, data=post_data(post))


@receiver(post_unpublished, sender=Post)
def unpublished(sender, posts: list[Post], before: dict[int, PostSnapshot], **kwargs) -> None:
    hidden = [post for post in posts if before[post.pk].announced_at and not post.at_site_root]
    if hidden and _listening():
        for post in hidden:
            dispatch(event=Event.UNPUBLISHED, data=post_data(post))


@receiver(post_deleted, sender=Post)
def deleted(sender, posts: list[PostSnapshot], **kwargs) -> None:
    gone = [post for post in posts if post.is_public and post.kind != Post.Kind.PAGE]
    if gone and _listening():
        for post in gone:
            data = {"post": {"id": post.id, "slug": post.slug, "sequence": sequence()}}
            dispatch(event=Event.DELETED, data=data)
