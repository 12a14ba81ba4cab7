"""Every write of a comment goes through here: the reader's pages, the admin, the API.

    post_comment(post=…, member=…, body=…, parent=None, client_ip=None) -> Comment
    edit_comment(comment, member, body)        # own comment, within EDIT_WINDOW
    delete_comment(comment, member)            # own comment, any time
    approve(comment, actor) / mark_spam(…) / remove(…) / restore(…)
    ban_member(member, actor, reason) / unban_member(member, actor)

A member's comment is checked (`CommentRefused` says why it is not taken), rendered
once (`comments.rendering`), and stored pending or approved: approved at once, unless
the site wants a member's first comment approved (`first_comment_needs_approval`) and
this member has none approved yet. Replies are one level deep: a reply to a reply
attaches to its top-level comment.

Spam defences plug in without this module knowing them: each callable in `SPAM_CHECKS`
gets a `CommentDraft` and answers None (take it), `"spam"` (store it as spam, out of
sight) or `"refuse: <message>"` (not stored; the member is told the message). The
moderation side registers its checks from its `AppConfig.ready()`.

Moderation functions check that `actor` may moderate the post's comments (editors, and
the post's own authors; `actor=None` is the system itself, e.g. an import), log a
`ModerationAction`, and send the domain signals of `comments.events` inside the write's
transaction: `comment_created`, `comment_approved` (it became visible),
`comment_edited`, `comment_removed` (it left readers' sight).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.roles import is_editor
from blog.models import Post
from blog.permissions import is_writer
from members.models import Member

from .events import comment_approved, comment_created, comment_edited, comment_removed
from .models import Comment, CommentBan, ModerationAction
from .policy import comments_open, policy
from .rendering import render_comment

EDIT_WINDOW = timedelta(minutes=10)
MAX_BODY_CHARS = Comment._meta.get_field("body").max_length
ANONYMOUS_NAME = "A reader"  # shown for a member who gave no name (never their address)


class CommentRefused(Exception):
    """The comment is not taken; `message` says why, for the member."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class CommentDraft:
    """What a spam check sees: the comment about to be stored (or edited)."""

    post: Post
    member: Member
    body: str
    body_html: str
    parent: Comment | None = None
    client_ip: str | None = None
    # Seconds between the form being shown and posted (None: not from our form, e.g. API).
    form_seconds: float | None = None
    # The form's hidden honeypot field as posted ("" from a person).
    honeypot: str = ""
    # The comment being edited (None: a new comment).
    editing: Comment | None = None


SpamCheck = Callable[[CommentDraft], "str | None"]
SPAM_CHECKS: list[SpamCheck] = []
SPAM = "spam"
REFUSE = "refuse:"


def is_banned(member: Member) -> bool:
    return CommentBan.objects.filter(member=member).exists()


def can_moderate(user, post: Post) -> bool:
    """Editors moderate every post's comments; writers those of their own posts."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return is_editor(user) or (is_writer(user) and post.is_listed_author(user))


def post_comment(
    *,
    post: Post,
    member: Member,
    body: str,
    parent: Comment | None = None,
    client_ip: str | None = None,
    form_seconds: float | None = None,
    honeypot: str = "",
) -> Comment:
    """Store `member`'s comment on `post` (a reply when `parent` is given), pending or
    approved by the site's rules, or raise `CommentRefused`."""
    body = _checked_body(body)
    if member is None or member.status != Member.Status.ACTIVE:
        raise CommentRefused("Sign in to comment.", "not_signed_in")
    if not comments_open(post):
        raise CommentRefused("Comments on this post are closed.", "closed")
    if is_banned(member):
        raise CommentRefused("You can no longer comment on this site.", "banned")
    parent = _thread_parent(post, parent)
    rendered = render_comment(body)
    draft = CommentDraft(
        post=post,
        member=member,
        body=body,
        body_html=rendered.html,
        parent=parent,
        client_ip=client_ip,
        form_seconds=form_seconds,
        honeypot=honeypot,
    )
    verdict = _spam_verdict(draft)
    now = timezone.now()
    if verdict == SPAM:
        status = Comment.Status.SPAM
    elif policy().first_comment_needs_approval and not _trusted(member):
        status = Comment.Status.PENDING
    else:
        status = Comment.Status.APPROVED
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post,
            parent=parent,
            member=member,
            author_name=member.name or ANONYMOUS_NAME,
            author_email=member.email,
            body=body,
            body_html=rendered.html,
            status=status,
            created_at=now,
            approved_at=now if status == Comment.Status.APPROVED else None,
            client_ip=client_ip,
        )
        comment_created.send(sender=Comment, comment=comment)
        if status == Comment.Status.APPROVED:
            comment_approved.send(sender=Comment, comment=comment)
    return comment


def can_edit(comment: Comment, member: Member | None, now: datetime | None = None) -> bool:
    """May `member` still edit `comment`: their own, not removed, within EDIT_WINDOW."""
    return (
        member is not None
        and comment.member_id == member.pk
        and comment.status in (Comment.Status.PENDING, Comment.Status.APPROVED)
        and (now or timezone.now()) < comment.created_at + EDIT_WINDOW
    )


def edit_comment(comment: Comment, member: Member, body: str) -> Comment:
    """Replace the body of `member`'s own comment, within EDIT_WINDOW of posting it."""
    body = _checked_body(body)
    if member is None or comment.member_id != member.pk:
        raise PermissionDenied("Not your comment.")
    if not can_edit(comment, member):
        raise CommentRefused("A comment can be edited for 10 minutes after posting.", "too_late")
    if is_banned(member):
        raise CommentRefused("You can no longer comment on this site.", "banned")
    rendered = render_comment(body)
    draft = CommentDraft(
        post=comment.post,
        member=member,
        body=body,
        body_html=rendered.html,
        parent=comment.parent,
        client_ip=comment.client_ip,
        editing=comment,
    )
    verdict = _spam_verdict(draft)
    with transaction.atomic():
        was_visible = comment.status == Comment.Status.APPROVED
        comment.body, comment.body_html = body, rendered.html
        comment.edited_at = timezone.now()
        if verdict == SPAM:
            comment.status = Comment.Status.SPAM
        comment.save(update_fields=["body", "body_html", "edited_at", "status"])
        if verdict == SPAM and was_visible:
            comment_removed.send(sender=Comment, comment=comment)
        elif was_visible:
            comment_edited.send(sender=Comment, comment=comment)
    return comment


def delete_comment(comment: Comment, member: Member) -> Comment:
    """`member` deletes their own comment, any time. The row stays, marked removed and
    emptied of its words, so that replies keep their thread ("This comment was deleted"
    is shown in its place while it has approved replies)."""
    if member is None or comment.member_id != member.pk:
        raise PermissionDenied("Not your comment.")
    if comment.status == Comment.Status.REMOVED and not comment.body:
        return comment
    with transaction.atomic():
        comment.status = Comment.Status.REMOVED
        comment.body = comment.body_html = ""
        comment.save(update_fields=["status", "body", "body_html"])
        comment_removed.send(sender=Comment, comment=comment)
    return comment


def approve(comment: Comment, actor) -> Comment:
    """Make `comment` visible to readers (and its member trusted, by the site's rule)."""
    return _moderate(comment, actor, Comment.Status.APPROVED, ModerationAction.Action.APPROVE)


def mark_spam(comment: Comment, actor) -> Comment:
    return _moderate(comment, actor, Comment.Status.SPAM, ModerationAction.Action.SPAM)


def remove(comment: Comment, actor) -> Comment:
    return _moderate(comment, actor, Comment.Status.REMOVED, ModerationAction.Action.REMOVE)


def restore(comment: Comment, actor) -> Comment:
    """Back to pending (a comment marked spam or removed by mistake)."""
    return _moderate(comment, actor, Comment.Status.PENDING, ModerationAction.Action.RESTORE)


def ban_member(member: Member, actor, reason: str = "") -> CommentBan:
    """`member` may no longer comment (their comments stay as they are)."""
    if actor is not None and not is_editor(actor):
        raise PermissionDenied("Only editors ban members.")
    with transaction.atomic():
        ban, created = CommentBan.objects.get_or_create(
            member=member, defaults={"reason": reason[:200], "banned_by": actor}
        )
        if created:
            ModerationAction.objects.create(
                member=member, action=ModerationAction.Action.BAN, actor=actor, note=reason[:200]
            )
    return ban


def unban_member(member: Member, actor, reason: str = "") -> None:
    if actor is not None and not is_editor(actor):
        raise PermissionDenied("Only editors lift bans.")
    with transaction.atomic():
        deleted, _ = CommentBan.objects.filter(member=member).delete()
        if deleted:
            ModerationAction.objects.create(
                member=member, action=ModerationAction.Action.UNBAN, actor=actor, note=reason[:200]
            )


def _moderate(comment: Comment, actor, status: str, action: str) -> Comment:
    if actor is not None and not can_moderate(actor, comment.post):
        raise PermissionDenied("You may not moderate comments on this post.")
    if deleted_by_member(comment) and status != Comment.Status.REMOVED:
        raise CommentRefused("Its member deleted this comment: it cannot be shown again.")
    with transaction.atomic():
        before = comment.status
        comment.status = status
        fields = ["status"]
        if status == Comment.Status.APPROVED and comment.approved_at is None:
            comment.approved_at = timezone.now()
            fields.append("approved_at")
        comment.save(update_fields=fields)
        ModerationAction.objects.create(
            comment=comment, member_id=comment.member_id, action=action, actor=actor
        )
        if status == Comment.Status.APPROVED:
            if before != Comment.Status.APPROVED:
                comment_approved.send(sender=Comment, comment=comment)
        elif before == Comment.Status.APPROVED or (status in _GONE and before not in _GONE):
            comment_removed.send(sender=Comment, comment=comment)
    return comment


_GONE = (Comment.Status.SPAM, Comment.Status.REMOVED)


def deleted_by_member(comment: Comment) -> bool:
    """Removed and emptied by its own member (`delete_comment`), not by a moderator."""
    return comment.status == Comment.Status.REMOVED and not comment.body


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise CommentRefused("Write something first.", "empty")
    if len(body) > MAX_BODY_CHARS:
        raise CommentRefused(f"A comment is at most {MAX_BODY_CHARS} characters.", "too_long")
    return body


def _thread_parent(post: Post, parent: Comment | None) -> Comment | None:
    """The top-level comment a reply attaches to (a reply to a reply: its parent)."""
    if parent is None:
        return None
    if parent.parent_id is not None:
        parent = parent.parent
    if parent.post_id != post.pk or parent.status != Comment.Status.APPROVED:
        raise CommentRefused("That comment cannot be replied to.", "bad_parent")
    return parent


def _trusted(member: Member) -> bool:
    """One approved comment makes a member trusted (the site's first-comment rule)."""
    return Comment.objects.filter(member=member, status=Comment.Status.APPROVED).exists()


def _spam_verdict(draft: CommentDraft) -> str | None:
    """The first check that objects decides: refused (raised here), spam, or None."""
    for check in SPAM_CHECKS:
        verdict = check(draft)
        if not verdict:
            continue
        if verdict.startswith(REFUSE):
            message = verdict[len(REFUSE) :].strip() or "This comment was not accepted."
            raise CommentRefused(message, "refused")
        if verdict == SPAM:
            return SPAM
    return None
