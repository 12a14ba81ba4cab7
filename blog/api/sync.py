"""What a syncing client needs besides the posts themselves: tombstones.

A mirror keeps public posts; it must drop those that are deleted (a `PostTombstone`,
written by `blog.signals` when a public post is deleted) or no longer public (status set
back from published; their `at` is their last change). Posts that never went public
(drafts, scheduled) never appear, so nothing here tells a reader what is in the works.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ..models import Post, PostTombstone


def tombstones_since(since: datetime | None, limit: int) -> list[dict]:
    """Up to `limit` tombstones after `since`, oldest first."""
    deleted = PostTombstone.objects.all()
    unpublished = (
        Post.objects.exclude(status=Post.Status.PUBLISHED)
        .filter(published_at__lte=timezone.now())
        .order_by("updated_at", "pk")
    )
    if since is not None:
        deleted = deleted.filter(deleted_at__gt=since)
        unpublished = unpublished.filter(updated_at__gt=since)
    rows = [
        {"id": t.post_id, "slug": t.slug, "reason": "deleted", "at": t.deleted_at}
        for t in deleted.order_by("deleted_at", "post_id")[:limit]
    ] + [
        {"id": p.pk, "slug": p.slug, "reason": "unpublished", "at": p.updated_at}
        for p in unpublished.only("pk", "slug", "updated_at")[:limit]
    ]
    return sorted(rows, key=lambda row: (row["at"], row["id"]))[:limit]
