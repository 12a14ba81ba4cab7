"""The publish sweep: go-live and expiry side effects for posts whose time has come.

It never decides visibility, `Post.objects.public()` alone does that; it only runs what
should happen once a post is public (retire cached pages, webhooks: receivers of
`post_went_public`) and records that in `announced_at`; and, once a post's `expires_at`
has passed, what should happen when it leaves (a tombstone, retired pages, webhooks:
receivers of `post_expired`), recorded by the tombstone itself (`Post.objects.unretired`).

    publish_sweep()            # every public, unannounced post, then every expired,
                               # announced one (beat, every minute)
    post_announce(post_id=42)  # one post, right after a save made it public, or just
                               # before a save or delete hides one live by the clock
    post_retire(post_id=42)    # one expired post, just before a save or delete of it

Side effects run before `announced_at` is committed, so a crash in between runs them again
on the next sweep (at least once); a post is claimed under a row lock, so two sweeps
never run them concurrently for the same post.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from pagecache.cache import invalidate_pages

from .events import post_expired, post_went_public
from .models import Post, PostQuerySet

# The events: blog.events
__all__ = ["post_announce", "post_expired", "post_retire", "post_went_public", "publish_sweep"]

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def _unannounced() -> PostQuerySet:
    return Post.all_kinds.public().filter(announced_at__isnull=True)  # pages too


def _announce(candidates: PostQuerySet) -> list[int]:
    with transaction.atomic():
        ids = list(
            candidates.select_for_update(skip_locked=True)
            .order_by("published_at", "pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        # Public by the clock read now, with the rows locked: the query above read it
        # before it ran, and may have waited (SQLite queues writers) for a retire of a
        # post that expired meanwhile; announcing that one again would leave its last
        # event "published" for a post out of view.
        public = set(Post.all_kinds.public().filter(pk__in=ids).values_list("pk", flat=True))
        ids = [pk for pk in ids if pk in public]
        if not ids:
            return []
        invalidate_pages(shared=False)  # which posts are public changed, not what they show
        post_went_public.send(sender=Post, post_ids=ids)
        Post.all_kinds.filter(pk__in=ids).update(
            announced_at=timezone.now(),
            # Live by the clock, with no save since: it was public from its date on.
            first_public_at=Coalesce("first_public_at", "published_at"),
        )
    logger.info("announced %d post(s) that went public: %s", len(ids), ids)
    return ids


def _unretired() -> PostQuerySet:
    return Post.all_kinds.unretired()  # pages expire too


def _retire(candidates: PostQuerySet) -> list[int]:
    with transaction.atomic():
        rows = list(
            candidates.select_for_update(skip_locked=True)
            .order_by("expires_at", "pk")
            .values_list("pk", "announced_at")[:BATCH_SIZE]
        )
        if not rows:
            return []
        ids = [pk for pk, _ in rows]
        invalidate_pages(shared=False)  # which posts are public changed
        # Public by the clock and gone again before a sweep came by: announced first, so
        # no go-live is skipped (as `blog.services` does before a write hides a post).
        if unannounced := [pk for pk, announced_at in rows if announced_at is None]:
            post_went_public.send(sender=Post, post_ids=unannounced)
        post_expired.send(sender=Post, post_ids=ids)  # writes the tombstones
        Post.all_kinds.filter(pk__in=ids).update(
            announced_at=None, first_public_at=Coalesce("first_public_at", "published_at")
        )
    logger.info("retired %d post(s) that expired: %s", len(ids), ids)
    return ids


def publish_sweep() -> list[int]:
    """Run the side effects of every public post not yet announced, and of every expired
    post announced but not yet retired; returns the ids announced."""
    announced: list[int] = []
    while batch := _announce(_unannounced()):
        announced += batch
    while _retire(_unretired()):
        pass
    return announced


def expiry_sweep() -> list[int]:
    """Run the expiry side effects of every expired post not yet retired; their ids."""
    retired: list[int] = []
    while batch := _retire(_unretired()):
        retired += batch
    return retired


def post_retire(*, post_id: int) -> bool:
    """Run the expiry side effects of one post if it expired and they have not run."""
    return bool(_retire(_unretired().filter(pk=post_id)))


def post_announce(*, post_id: int) -> bool:
    """Run the side effects of one post if it is public and not yet announced."""
    return bool(_announce(_unannounced().filter(pk=post_id)))
