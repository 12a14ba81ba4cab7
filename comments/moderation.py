"""Moderation: approve, mark as spam, remove, restore; ban and lift a ban. The one write
path of moderators (the admin's queue, its bulk actions, the API's moderation endpoints).

    approve(comment, actor)                 # True if it changed
    bulk_approve(queryset, actor)           # how many changed
    ban_member(member, actor, reason="...")

Every change is logged as a `ModerationAction` (who, what, which comment and member,
when) in the same transaction, and sends the comments' domain signal
(`comments.events`): `comment_approved` when a comment becomes visible, `comment_removed`
when one is marked as spam or removed (or a visible one goes back to waiting).
Whether `actor` may moderate a comment is the caller's question
(`comments.permissions`); a comment already in the state asked for is left alone and
logs nothing, so a double click or a repeated API call changes nothing twice.

A comment its own member deleted (`deleted_by_member`: removed and emptied of its words)
is never brought back, whoever asks: `approve`, `mark_spam` and `restore` of one raise
`DeletedByMember`; the bulk actions skip such comments (`DELETED_BY_MEMBER` finds them,
for the caller's message).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import Member

from . import events
from .models import Comment, CommentBan, ModerationAction

Status = Comment.Status
Action = ModerationAction.Action

# A comment its member deleted: removed, its words gone (`comments.services.delete_comment`).
DELETED_BY_MEMBER = Q(status=Status.REMOVED, body="")


class DeletedByMember(Exception):
    """The comment was deleted by its member: it cannot be shown or queued again."""

    message = "Its member deleted this comment: it cannot be shown again."

    def __init__(self) -> None:
        super().__init__(self.message)


def deleted_by_member(comment: Comment) -> bool:
    """Removed and emptied by its own member (`delete_comment`), not by a moderator."""
    return comment.status == Status.REMOVED and not comment.body


# The state each action leads to, and the signal it sends from which state.
_TARGET = {
    Action.APPROVE: Status.APPROVED,
    Action.SPAM: Status.SPAM,
    Action.REMOVE: Status.REMOVED,
    Action.RESTORE: Status.PENDING,
}


def _signal_for(action: str, was: str):
    if action == Action.APPROVE:
        return events.comment_approved
    if action in (Action.SPAM, Action.REMOVE):
        return events.comment_removed
    if action == Action.RESTORE and was == Status.APPROVED:
        return events.comment_removed  # back to waiting: readers no longer see it
    return None


def _moderate(ids: Iterable[int], action: str, actor, note: str = "") -> list[Comment]:
    """Move the comments `ids` to the state of `action`; returns those that changed.
    Comments their members deleted are left as they are (only "remove" applies to them,
    and they are removed already)."""
    target = _TARGET[action]
    now = timezone.now()
    with transaction.atomic():
        comments = list(
            Comment.objects.select_for_update()
            .filter(pk__in=list(ids))
            .exclude(status=target)
            .exclude(DELETED_BY_MEMBER)
            .order_by("pk")
        )
        if not comments:
            return []
        was = {comment.pk: comment.status for comment in comments}
        fields = ["status"]
        for comment in comments:
            comment.status = target
            if target == Status.APPROVED:
                comment.approved_at = now
                fields = ["status", "approved_at"]
        Comment.objects.bulk_update(comments, fields)
        ModerationAction.objects.bulk_create(
            ModerationAction(
                comment=comment,
                member_id=comment.member_id,
                action=action,
                actor=actor if getattr(actor, "pk", None) else None,
                note=note[:200],
            )
            for comment in comments
        )
        for comment in comments:
            signal = _signal_for(action, was[comment.pk])
            if signal is not None:
                signal.send(sender=Comment, comment=comment)
    return comments


def _one(comment: Comment, action: str, actor, note: str) -> bool:
    if (
        action != Action.REMOVE
        and Comment.objects.filter(DELETED_BY_MEMBER, pk=comment.pk).exists()
    ):
        raise DeletedByMember
    changed = _moderate([comment.pk], action, actor, note)
    if changed:
        comment.status = changed[0].status
        comment.approved_at = changed[0].approved_at
    return bool(changed)


def approve(comment: Comment, actor, *, note: str = "") -> bool:
    """Show `comment` to readers (and trust its member: their next ones need no approval
    when the site's policy says so)."""
    return _one(comment, Action.APPROVE, actor, note)


def mark_spam(comment: Comment, actor, *, note: str = "") -> bool:
    return _one(comment, Action.SPAM, actor, note)


def remove(comment: Comment, actor, *, note: str = "") -> bool:
    return _one(comment, Action.REMOVE, actor, note)


def restore(comment: Comment, actor, *, note: str = "") -> bool:
    """Back to the queue (waiting): to undo a spam or removal, or to hide an approved one
    until it is looked at again."""
    return _one(comment, Action.RESTORE, actor, note)


def _ids(comments: QuerySet[Comment]) -> list[int]:
    return list(comments.values_list("pk", flat=True))


def bulk_approve(comments: QuerySet[Comment], actor, *, note: str = "") -> int:
    return len(_moderate(_ids(comments), Action.APPROVE, actor, note))


def bulk_mark_spam(comments: QuerySet[Comment], actor, *, note: str = "") -> int:
    return len(_moderate(_ids(comments), Action.SPAM, actor, note))


def bulk_remove(comments: QuerySet[Comment], actor, *, note: str = "") -> int:
    return len(_moderate(_ids(comments), Action.REMOVE, actor, note))


def bulk_restore(comments: QuerySet[Comment], actor, *, note: str = "") -> int:
    return len(_moderate(_ids(comments), Action.RESTORE, actor, note))


def ban_member(member: Member, actor, reason: str = "") -> CommentBan:
    """Stop `member` from commenting (their comments so far stay as they are: moderate
    them in the queue). Banning a banned member again updates the reason, logs nothing."""
    with transaction.atomic():
        ban, created = CommentBan.objects.select_for_update().get_or_create(
            member=member, defaults={"reason": reason[:200], "banned_by": actor}
        )
        if not created:
            if reason and reason != ban.reason:
                ban.reason = reason[:200]
                ban.save(update_fields=["reason"])
            return ban
        ModerationAction.objects.create(
            member=member, action=Action.BAN, actor=actor, note=reason[:200]
        )
    return ban


def bulk_ban(members: Iterable[Member], actor, reason: str = "") -> int:
    """Ban each of `members` not banned yet; how many were newly banned."""
    banned = 0
    for member in members:
        already = CommentBan.objects.filter(member=member).exists()
        ban_member(member, actor, reason)
        banned += not already
    return banned


def unban_member(member: Member, actor, *, note: str = "") -> bool:
    """Let `member` comment again; False if they were not banned."""
    with transaction.atomic():
        deleted, _ = CommentBan.objects.filter(member=member).delete()
        if not deleted:
            return False
        ModerationAction.objects.create(
            member=member, action=Action.UNBAN, actor=actor, note=note[:200]
        )
    return True


def is_banned(member: Member | None) -> bool:
    return member is not None and CommentBan.objects.filter(member=member).exists()
