"""What readers see of a post's comments: the thread, built in a fixed number of queries.

    thread = post_thread(post, member=request.member)
    thread.comments            # top-level comments, oldest first
    comment.shown_replies      # each one's replies, oldest first (one level deep)

One query reads every comment of the post a reader may see (approved ones, removed ones
that may hold a thread together, and the reader's own still waiting for approval); the
tree is built in Python, so 0 or 200 comments cost the same. A removed top-level
comment stays in the thread, as "This comment was deleted", while it has replies shown;
otherwise removed comments are left out. Replies to a removed reply do not exist: replies
are one level deep (`comments.services`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from blog.models import Post
from members.models import Member

from .models import Comment

# What the thread shows of a comment (no e-mail, no client address).
THREAD_FIELDS = (
    "id", "post_id", "parent_id", "member_id", "author_name", "body_html", "status",
    "created_at", "edited_at",
)  # fmt: skip


@dataclass
class Thread:
    comments: list[Comment] = field(default_factory=list)
    count: int = 0  # approved comments and replies shown


def post_thread(post: Post, member: Member | None = None) -> Thread:
    """The comments under `post` as `member` (None: anyone) sees them."""
    shown = Q(status__in=(Comment.Status.APPROVED, Comment.Status.REMOVED))
    if member is not None:
        shown |= Q(status=Comment.Status.PENDING, member_id=member.pk)
    rows = list(
        Comment.objects.filter(shown, post_id=post.pk)
        .only(*THREAD_FIELDS)
        .order_by("created_at", "pk")
    )
    replies: dict[int, list[Comment]] = {}
    for row in rows:
        if row.parent_id is not None and row.status != Comment.Status.REMOVED:
            replies.setdefault(row.parent_id, []).append(row)
    thread = Thread()
    for row in rows:
        if row.parent_id is not None:
            continue
        row.shown_replies = replies.get(row.pk, [])
        if row.status == Comment.Status.REMOVED and not row.shown_replies:
            continue
        thread.comments.append(row)
        thread.count += sum(
            1 for c in (row, *row.shown_replies) if c.status == Comment.Status.APPROVED
        )
    return thread
