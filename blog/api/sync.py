"""What a syncing client needs besides the posts themselves: tombstones.

A mirror keeps public posts; it must drop those that left public view. Every way out
writes one (`blog.models.PostTombstone`): deleted, unpublished, date cleared, moved into
the future. Only posts that were public ever get one, and the slug is the last one readers
saw, so nothing here tells a reader what is in the works. A post public again (a new
date that has come, a republish) is left out: its own, newer marker brings it back.

An expired post is a tombstone from the second it expires (`reason: "expired"`, `at`:
its `expires_at`), read from the post itself until the sweep writes the same row
(`blog.sweep`): like its leaving public view, its tombstone needs no job.

Pages run in (`at`, `post_id`) order with a cursor, like posts' cursor pages
(`api.pagination`), and hold back recent ones likewise (`settled_until`): a tombstone
committed after it was stamped is not passed over, and ties never skip one.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q

from api.pagination import decode_cursor, encode_cursor, settled_until

from ..models import Post, PostTombstone


def tombstones_since(
    since: datetime | None, limit: int, cursor: str | None = None
) -> tuple[list[dict], str | None]:
    """Up to `limit` tombstones after `since` (or `cursor`), oldest first; and the cursor
    to continue from (None if nothing has been listed yet)."""
    # NOT EXISTS, one primary-key probe per tombstone: `NOT IN (public ids)` would hash
    # every public id on each request.
    public_again = Post.objects.public().filter(pk=OuterRef("post_id"))
    # A page's tombstone (an expired page: the sweep's record that it retired it) is not
    # a post's: mirrors of /api/posts/ never had it.
    a_page = Post.all_kinds.filter(pk=OuterRef("post_id"), kind=Post.Kind.PAGE)
    settled = settled_until()
    rows = PostTombstone.objects.filter(~Exists(public_again), ~Exists(a_page), at__lte=settled)
    expired = Post.objects.unretired().filter(expires_at__lte=settled)
    if cursor:
        moment, pk = decode_cursor(cursor)  # no such position: a 404, as on post lists
        rows = rows.filter(Q(at__gt=moment) | Q(at=moment, post_id__gt=pk))
        expired = expired.filter(Q(expires_at__gt=moment) | Q(expires_at=moment, pk__gt=pk))
    elif since is not None:
        rows = rows.filter(at__gt=since)
        expired = expired.filter(expires_at__gt=since)
    page = [
        {"id": t.post_id, "slug": t.slug, "reason": t.reason, "at": t.at}
        for t in rows.order_by("at", "post_id")[:limit]
    ]
    page += [
        {"id": pk, "slug": slug, "reason": PostTombstone.Reason.EXPIRED, "at": at}
        for pk, slug, at in expired.order_by("expires_at", "pk").values_list(
            "pk", "slug", "expires_at"
        )[:limit]
    ]
    page = sorted(page, key=lambda row: (row["at"], row["id"]))[:limit]
    if page:
        cursor = encode_cursor(page[-1]["at"], page[-1]["id"])
    return page, cursor or None
