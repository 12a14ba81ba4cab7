"""The writes the API (and the importer's rendering) need, in one small adapter.

The one write path of comments is `comments.services` (posting, editing, deleting: the
spam defences, rate limits and notifications live there) and moderation is
`comments.moderation`; both are being written beside this module. Until they are merged
these bodies do the minimal thing on the model, under the names those modules use, and
**the lead points each function at `services` / `moderation` on merge** (the API imports
them only from here, lazily, so nothing else changes).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from blog.markdown import render

from . import events
from .models import Comment, CommentBan, CommentPolicy, Discussion, ModerationAction


class Refused(Exception):
    """The comment may not be written (comments closed, member banned...): a 403."""


def render_body(body: str) -> str:
    """A comment's Markdown as safe HTML (`services` adds the stricter allow-list)."""
    return render(body, reader_content=True).html


def post_comment(*, post, member, body: str, parent=None, client_ip=None) -> Comment:
    """→ `services.post_comment` on merge."""
    policy = CommentPolicy.objects.get_or_create(pk=1)[0]
    mode = Discussion.objects.filter(post=post).values_list("mode", flat=True).first()
    if not policy.enabled or mode in (Discussion.Mode.CLOSED, Discussion.Mode.HIDDEN):
        raise Refused("Comments are closed on this post.")
    if CommentBan.objects.filter(member=member).exists():
        raise Refused("You may no longer comment on this site.")
    trusted = Comment.objects.filter(member=member, status=Comment.Status.APPROVED).exists()
    approved = trusted or not policy.first_comment_needs_approval
    now = timezone.now()
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post,
            parent=parent,
            member=member,
            author_name=member.name or "A reader",  # never a part of the address
            body=body,
            body_html=render_body(body),
            status=Comment.Status.APPROVED if approved else Comment.Status.PENDING,
            created_at=now,
            approved_at=now if approved else None,
            client_ip=client_ip,
        )
        events.comment_created.send(sender=Comment, comment=comment)
        if approved:
            events.comment_approved.send(sender=Comment, comment=comment)
    return comment


def _moderate(comment: Comment, actor, status: str, action: str) -> Comment:
    with transaction.atomic():
        comment.status = status
        fields = ["status"]
        if status == Comment.Status.APPROVED:
            comment.approved_at = timezone.now()
            fields.append("approved_at")
        comment.save(update_fields=fields)
        ModerationAction.objects.create(
            comment=comment, member=comment.member, action=action, actor=actor
        )
        signal = events.comment_approved if status == Comment.Status.APPROVED else None
        signal = signal or events.comment_removed
        signal.send(sender=Comment, comment=comment)
    return comment


def approve(comment: Comment, actor) -> Comment:
    """→ `moderation.approve` on merge."""
    return _moderate(comment, actor, Comment.Status.APPROVED, ModerationAction.Action.APPROVE)


def mark_spam(comment: Comment, actor) -> Comment:
    """→ `moderation.mark_spam` on merge."""
    return _moderate(comment, actor, Comment.Status.SPAM, ModerationAction.Action.SPAM)


def remove(comment: Comment, actor) -> Comment:
    """→ `moderation.remove` on merge."""
    return _moderate(comment, actor, Comment.Status.REMOVED, ModerationAction.Action.REMOVE)
