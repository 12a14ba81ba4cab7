"""Every write of a comment goes through here: the reader's pages, the admin, the API.

    post_comment(post=…, member=…, body=…, parent=None, client_ip=None, …) -> Comment
    edit_comment(comment, member, body)        # own comment, within EDIT_WINDOW
    delete_comment(comment, member)            # own comment, any time
    approve(comment, actor) / mark_spam(…) / remove(…) / restore(…)
    ban_member(member, actor, reason) / unban_member(member, actor)

A member's comment is checked (`CommentRefused` says why it is not taken), rendered
once (`comments.rendering`), and stored pending or approved: approved at once, unless
the site wants a member's first comment approved (`first_comment_needs_approval`) and
this member has none approved yet. Replies are one level deep: a reply to a reply
attaches to its top-level comment.

Spam defences are `comments.spam`'s: `spam.run_checks(draft)` answers None (take it),
`"spam"` (store it as spam, out of sight) or `"refuse: <message>"` (not stored; the
member is told the message). An edit runs only the checks of its words (links, the
blocklist), not the rate limits or the form's timing; an edit that adds links to an
approved comment sends it back to waiting for approval when the site wants a member's
first comment approved (`_adds_links`).

Moderation functions here check that `actor` may moderate the post's comments
(`comments.permissions`; `actor=None` is the system itself, e.g. an import), then hand
the write to `comments.moderation`, which refuses to bring back a comment its member
deleted (`CommentRefused`, code "deleted_by_member"), logs a `ModerationAction` and sends the domain
signals of `comments.events` inside the write's transaction: `comment_created`,
`comment_approved` (it became visible), `comment_edited`, `comment_removed` (it left
readers' sight).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from blog.models import Post
from blog.permissions import is_editor
from members.models import Member

from . import moderation, permissions, spam
from .events import comment_approved, comment_created, comment_edited, comment_removed
from .models import Comment, CommentBan
from .policy import comments_open, policy
from .rendering import render_comment

EDIT_WINDOW = timedelta(minutes=10)
MAX_BODY_CHARS = Comment._meta.get_field("body").max_length
HEADER_CHARS = 500  # of a user agent or referrer passed on to the spam checks
ANONYMOUS_NAME = "A reader"  # shown for a member who gave no name (never their address)


class CommentRefused(Exception):
    """The comment is not taken; `message` says why, for the member."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.message, self.code = message, code


SPAM = spam.SPAM


is_banned = moderation.is_banned


# Editors moderate every post's comments; writers those of their own posts: the one rule.
can_moderate = permissions.can_moderate_post


def post_comment(
    *,
    post: Post,
    member: Member,
    body: str,
    parent: Comment | None = None,
    client_ip: str | None = None,
    form_seconds: float | None = None,
    honeypot: str = "",
    from_form: bool = False,
    user_agent: str = "",
    referrer: str = "",
) -> Comment:
    """Store `member`'s comment on `post` (a reply when `parent` is given), pending or
    approved by the site's rules, or raise `CommentRefused`.

    `from_form`: posted from our comment form, whose timing (`form_seconds`, None when its
    signed stamp is missing or forged) and honeypot are checked; the API has neither.
    `user_agent` and `referrer`: the request's headers, for the optional Akismet-compatible
    check (`comments.spam.akismet_fields`); never stored."""
    body = _checked_body(body)
    if member is None or member.status != Member.Status.ACTIVE:
        raise CommentRefused("Sign in to comment.", "not_signed_in")
    if not comments_open(post):
        raise CommentRefused("Comments on this post are closed.", "closed")
    if is_banned(member):
        raise CommentRefused("You can no longer comment on this site.", "banned")
    parent = _thread_parent(post, parent)
    rendered = render_comment(body)
    draft = spam.Draft(
        post=post,
        member=member,
        body=body,
        parent=parent,
        client_ip=client_ip,
        rendered_at=time.time() - form_seconds if form_seconds is not None else None,
        honeypot=honeypot,
        from_form=from_form,
        user_agent=(user_agent or "")[:HEADER_CHARS],
        referrer=(referrer or "")[:HEADER_CHARS],
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
    """Replace the body of `member`'s own comment, within EDIT_WINDOW of posting it. An
    approved one that gains links waits for approval again (`_adds_links`)."""
    body = _checked_body(body)
    if member is None or comment.member_id != member.pk:
        raise PermissionDenied("Not your comment.")
    if not can_edit(comment, member):
        raise CommentRefused("A comment can be edited for 10 minutes after posting.", "too_late")
    if is_banned(member):
        raise CommentRefused("You can no longer comment on this site.", "banned")
    rendered = render_comment(body)
    draft = spam.Draft(
        post=comment.post,
        member=member,
        body=body,
        parent=comment.parent,
        client_ip=comment.client_ip,
        rendered_at=None,
        honeypot="",
        from_form=False,
    )
    verdict = _spam_verdict(draft, spam.CONTENT_CHECKS)
    with transaction.atomic():
        was_visible = comment.status == Comment.Status.APPROVED
        held = verdict != SPAM and was_visible and _adds_links(comment.body, body)
        comment.body, comment.body_html = body, rendered.html
        comment.edited_at = timezone.now()
        if verdict == SPAM:
            comment.status = Comment.Status.SPAM
        elif held:
            comment.status, comment.approved_at = Comment.Status.PENDING, None
        comment.save(update_fields=["body", "body_html", "edited_at", "status", "approved_at"])
        if was_visible and comment.status != Comment.Status.APPROVED:
            comment_removed.send(sender=Comment, comment=comment)
        elif was_visible:
            comment_edited.send(sender=Comment, comment=comment)
    return comment


def _adds_links(before: str, after: str) -> bool:
    """Does an edit add links, on a site that wants a member's first comment approved?
    Then the edited comment waits for approval again: an innocuous comment, approved,
    must not turn into an advertisement within the edit window."""
    if not policy().first_comment_needs_approval:
        return False
    return spam.count_links(after) > spam.count_links(before)


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
    return _moderate(comment, actor, moderation.approve)


def mark_spam(comment: Comment, actor) -> Comment:
    return _moderate(comment, actor, moderation.mark_spam)


def remove(comment: Comment, actor) -> Comment:
    return _moderate(comment, actor, moderation.remove)


def restore(comment: Comment, actor) -> Comment:
    """Back to pending (a comment marked spam or removed by mistake)."""
    return _moderate(comment, actor, moderation.restore)


def ban_member(member: Member, actor, reason: str = "") -> CommentBan:
    """`member` may no longer comment (their comments stay as they are)."""
    if actor is not None and not is_editor(actor):
        raise PermissionDenied("Only editors ban members.")
    return moderation.ban_member(member, actor, reason)


def unban_member(member: Member, actor, reason: str = "") -> None:
    if actor is not None and not is_editor(actor):
        raise PermissionDenied("Only editors lift bans.")
    moderation.unban_member(member, actor, note=reason)


def _moderate(comment: Comment, actor, act) -> Comment:
    if actor is not None and not can_moderate(actor, comment.post):
        raise PermissionDenied("You may not moderate comments on this post.")
    try:
        act(comment, actor)
    except moderation.DeletedByMember as refused:  # the guard is moderation's, for all
        raise CommentRefused(refused.message, "deleted_by_member") from refused
    return comment


deleted_by_member = moderation.deleted_by_member


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


def _spam_verdict(draft: spam.Draft, checks=None) -> str | None:
    """What the spam checks say: refused (raised here), spam, or None (take it)."""
    verdict = spam.run_checks(draft, checks)
    if verdict is not None and spam.is_refusal(verdict):
        raise CommentRefused(spam.refusal_message(verdict), "refused")
    return SPAM if verdict == SPAM else None
