"""The publish sweep: go-live side effects for posts that have become public.

It never decides visibility, `Post.objects.public()` alone does that; it only runs what
should happen once a post is public (today: retire cached pages; notifications and
webhooks later, as receivers of `post_went_public`) and records that in `announced_at`.

    publish_sweep()            # every public, unannounced post (beat, every minute)
    post_announce(post_id=42)  # one post, right after a save made it public, or just
                               # before a save or delete hides one live by the clock

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

from .events import post_went_public
from .models import Post, PostQuerySet

__all__ = ["post_announce", "post_went_public", "publish_sweep"]  # the event: blog.events

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


def publish_sweep() -> list[int]:
    """Run the side effects of every public post not yet announced; returns their ids."""
    announced: list[int] = []
    while batch := _announce(_unannounced()):
        announced += batch
    return announced


def post_announce(*, post_id: int) -> bool:
    """Run the side effects of one post if it is public and not yet announced."""
    return bool(_announce(_unannounced().filter(pk=post_id)))
