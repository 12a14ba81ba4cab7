"""Imported comments → `comments.Comment` rows, in bulk, each at most once.

A comment's source key is its `Comment.source_id` ("wordpress:example.org#12", or the key
our own export gave it), so a re-import leaves an imported comment alone (counted as
unchanged) and never copies it. Bodies are converted to Markdown by the converter posts
use (`transfer.html`) and rendered as comments are (`comments.rendering.render_comment`).
Imported comments send no event (no webhook, no notification): they are old news, as
imported posts are not announced again. The author's e-mail is kept for moderation and
never shown; no client address is imported.
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from blog import extras
from blog.models import Post
from comments.counts import COUNTS_VERSION_KEY
from comments.models import Comment
from comments.rendering import render_comment

from .html import html_to_markdown, to_html
from .models import SourceKey
from .records import CommentRecord
from .summary import Summary

STATUSES = {Comment.Status.APPROVED, Comment.Status.PENDING}


def markdown_of(record: CommentRecord) -> str:
    cleaned, _removed = to_html(record.body, record.body_format)
    return record.body if cleaned is None else html_to_markdown(cleaned).strip()


def write_comments(records: list[CommentRecord], *, source: str, summary: Summary) -> None:
    """Write the comments of `records` not imported before: top-level ones first, then the
    replies (whose parents may come from this file or an earlier import)."""
    posts = dict(
        SourceKey.objects.filter(
            source=source, kind=SourceKey.Kind.POST, key__in={r.post_key for r in records}
        ).values_list("key", "object_id")
    )
    existing = set(
        Comment.objects.filter(source_id__in=[r.key for r in records]).values_list(
            "source_id", flat=True
        )
    )
    fresh, seen = [], set()
    for record in records:
        if record.key in existing:
            summary.unchanged["comments"] += 1
        elif record.post_key not in posts:
            summary.skip("comment on an item not imported", record.key)
        elif record.status not in STATUSES:
            summary.skip(f"comment: {record.status}", record.key)
        elif record.key in seen:
            summary.skip("duplicate id in file", record.key)
        else:
            seen.add(record.key)
            fresh.append(record)
    undated = [r for r in fresh if r.created_at is None]
    if undated:  # dated as their post (when it was published, else written)
        dates = {
            pk: published or created
            for pk, published, created in Post.all_kinds.filter(
                pk__in={posts[r.post_key] for r in undated}
            ).values_list("pk", "published_at", "created_at")
        }
        for record in undated:
            record.created_at = dates.get(posts[record.post_key])
        summary.note("comments without a date: dated as their post")
    tops = [r for r in fresh if not r.parent_key]
    replies = [r for r in fresh if r.parent_key]
    _create(tops, posts, {}, summary)
    parents = dict(
        Comment.objects.filter(source_id__in={r.parent_key for r in replies}).values_list(
            "source_id", "pk"
        )
    )
    _create(replies, posts, parents, summary)


def _create(
    records: list[CommentRecord], posts: dict[str, int], parents: dict[str, int], summary
) -> None:
    rows = []
    for record in records:
        body = markdown_of(record)
        if not body:
            summary.skip("comment: empty", record.key)
            continue
        created_at = record.created_at or timezone.now()
        parent_id = parents.get(record.parent_key)
        if record.parent_key and parent_id is None:
            summary.adjust("comment: reply to a comment not imported: made top-level")
        approved = record.status == Comment.Status.APPROVED
        rows.append(
            Comment(
                post_id=posts[record.post_key],
                parent_id=parent_id,
                author_name=record.author_name[:120],
                author_email=_address(record.author_email),
                body=body,
                body_html=render_comment(body).html,
                status=record.status,
                created_at=created_at,
                edited_at=record.edited_at,
                approved_at=created_at if approved else None,
                source_id=record.key,
            )
        )
    Comment.objects.bulk_create(rows, batch_size=500)
    # Listings are kept with the comment counts' version: these counts are new ones.
    transaction.on_commit(partial(extras.new_version, COUNTS_VERSION_KEY))
    summary.created["comments"] += len(rows)


def _address(email: str) -> str:
    """The author's address if Django takes it (WordPress stores whatever was typed)."""
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email
