"""Approved comments per post, for listings and the API: one grouped query per page.

Registered with `blog.extras` from `CommentsConfig.ready()` (blog never imports this app):
blog reads `comment_count` for a page of posts at once, sets it on each post, shows it in
each listing summary (`comments/_summary_count.html`) and as `comment_count` in
`/api/posts/`. Hidden discussions count 0: their comments are not shown.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from rest_framework import serializers

from blog import extras

from .models import Comment, Discussion


def approved_counts(post_ids: list[int]) -> dict[int, int]:
    """`{post id: approved comments}` for these posts (absent: none), in one query that
    reads the thread index (`comment_thread_idx`: post, status, created_at)."""
    hidden = Discussion.objects.filter(mode=Discussion.Mode.HIDDEN, post=OuterRef("post"))
    rows = (
        Comment.objects.filter(post__in=post_ids, status=Comment.Status.APPROVED)
        .exclude(Exists(hidden))
        .order_by()
        .values_list("post")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def comment_count_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        read_only=True,
        help_text="Approved comments shown under the post (0 when its discussion is hidden).",
    )


# Replaced after every commit that may change a post's count (`signals.forget_post_page`):
# a listing kept with the version it was built under needs no count query to be served.
COUNTS_VERSION_KEY = "comments:counts-version"

COMMENT_COUNT = extras.PostExtra(
    name="comment_count",
    values=approved_counts,
    default=0,
    api_field=comment_count_field,
    summary_template="comments/_summary_count.html",
    version_key=COUNTS_VERSION_KEY,
)
