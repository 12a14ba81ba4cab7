"""Comment mail: to a post's authors on a new comment, to a member when someone replies to
them, and to editors as an hourly digest of comments waiting for approval.

At most once each: every mail is a `CommentNotice` row (unique per kind, comment, address
and digest period) written and committed *before* the send. A second event, a redelivered
task or two workers at once find the row and send nothing. A send that surely failed (no
connection to the mail server, or its refusal: an SMTP 4xx or 5xx answer) deletes its row
again, so the task's retry can send. Any other failure (a timeout or a dropped connection
in the middle of the conversation, when the server may have taken the message already),
and a worker killed between the row and the send, leave the row (`sent_at` empty): that
mail is lost rather than sent twice.

Triggered by `comments.events.comment_approved` (a comment became visible, at once or by a
moderator) through the worker (`comments.tasks.notify_comment`), and by beat for the
digest (`comments.tasks.send_pending_digest`, hourly). Opt-outs: `AuthorPreference`
(writers and editors, in the admin) and `ReplyOptOut` (members, by the one-click link in
every reply mail: `unsubscribe_url`). docs/comments.md "Notifications".
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.origin import site_url
from core.sitevalues import site_values
from members.models import Member

from .models import AuthorPreference, Comment, CommentNotice, ReplyOptOut

logger = logging.getLogger(__name__)

Kind = CommentNotice.Kind
DIGEST_LIMIT = 50  # comments listed in one digest; the rest are counted
_UNSUBSCRIBE_SALT = "comments.reply-unsubscribe"


# --- At most once ------------------------------------------------------------------------


def _claim(
    kind: str, comment: Comment | None, email: str, period: str = ""
) -> CommentNotice | None:
    """Write the notice row (committed) unless it exists; None when it does."""
    email = email.strip().lower()
    try:
        with transaction.atomic():
            # The unique constraint decides under concurrency (PostgreSQL); the look-up
            # keeps a digest (no comment: NULL) single on SQLite too, whose unique index
            # treats NULLs as distinct.
            if CommentNotice.objects.filter(
                kind=kind, comment=comment, email=email, period=period
            ).exists():
                return None
            return CommentNotice.objects.create(
                kind=kind, comment=comment, email=email, period=period
            )
    except IntegrityError:
        return None


def _definite_failure(error: Exception) -> bool:
    """Did the send surely not happen? A refusal with an SMTP code (4xx or 5xx, to the
    sender, a recipient or the data) is an answer: the server did not take the message.
    Anything else during the conversation (a timeout, a dropped connection) may have come
    after the server took it: not sent again."""
    return isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException)


def _send(notice: CommentNotice, message: EmailMessage) -> bool:
    """Send `message` for a claimed `notice`; True once the SMTP server took it.

    A definite failure (no connection, or a refusal: `_definite_failure`) deletes the
    notice and raises, so that the task's retry claims and sends it again. Any other
    failure keeps the notice, unsent (`sent_at` empty), and is logged: the server may have
    taken the message before the connection broke, and a mail lost is better than a mail
    sent twice."""
    connection = get_connection()
    try:
        connection.open()  # fails before anything was sent: could not connect
    except Exception:
        notice.delete()
        raise
    try:
        connection.send_messages([message])
    except Exception as error:
        if _definite_failure(error):
            notice.delete()  # refused: the retry may claim it again
            raise
        logger.warning(
            "Comment notice %s (%s to %s): the send may or may not have happened (%r); "
            "not sent again",
            notice.pk,
            notice.kind,
            notice.email,
            error,
        )
        return False
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()  # a broken connection has nothing left to close
    CommentNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    return True


def _clean(text: str, limit: int = 80) -> str:
    """One line for a subject: no line breaks from a member's name or a title."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _comment_url(comment: Comment) -> str:
    return site_url(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")


def _quoted(body: str, limit: int = 1500) -> str:
    body = body if len(body) <= limit else body[:limit] + "…"
    return "\n".join(f"> {line}" for line in body.splitlines())


# --- To the post's authors ---------------------------------------------------------------


def author_wants_mail(user) -> bool:
    row = AuthorPreference.objects.filter(user=user).first()
    return row is None or row.notify_on_comment


def _author_message(comment: Comment, to: str) -> EmailMessage:
    post = comment.post
    name = _clean(comment.author_name or "Someone", 60)
    moderate = site_url(reverse("admin:comments_comment_change", args=[comment.pk]))
    preferences = site_url(reverse("admin:comments_authorpreference_changelist"))
    body = (
        f"{name} commented on “{post.title}”:\n\n{_quoted(comment.body)}\n\n"
        f"Read it: {_comment_url(comment)}\n"
        f"Moderate it: {moderate}\n\n"
        f"You get this mail as an author of the post. Turn these mails off: {preferences}\n"
    )
    return EmailMessage(
        subject=f"New comment on “{_clean(post.title)}”",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def notify_authors(comment: Comment) -> int:
    """Mail each author of the comment's post who wants it; how many mails were sent."""
    sent = 0
    commenter = (comment.author_email or getattr(comment.member, "email", "") or "").lower()
    for user in comment.post.authors_in_order:
        email = (user.email or "").strip()
        if not (user.is_active and email) or email.lower() == commenter:
            continue
        if not author_wants_mail(user):
            continue
        notice = _claim(Kind.NEW_COMMENT, comment, email)
        if notice is not None:
            sent += _send(notice, _author_message(comment, email))
    return sent


# --- To the member replied to --------------------------------------------------------------


def unsubscribe_token(member) -> str:
    return signing.dumps(member.pk, salt=_UNSUBSCRIBE_SALT)


def member_from_token(token: str):
    """The member a reply-mail unsubscribe token names; None if forged or gone."""
    try:
        pk = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Member.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def unsubscribe_url(member) -> str:
    return site_url(reverse("comments_unsubscribe:replies", args=[unsubscribe_token(member)]))


def opt_out_of_replies(member) -> bool:
    """No more reply mail for `member`; True if this changed anything."""
    _, created = ReplyOptOut.objects.get_or_create(member=member)
    return created


def _reply_message(comment: Comment, parent: Comment) -> EmailMessage:
    member = parent.member
    name = _clean(comment.author_name or "Someone", 60)
    post = comment.post
    unsubscribe = unsubscribe_url(member)
    body = (
        f"{name} replied to your comment on “{post.title}”:\n\n{_quoted(comment.body)}\n\n"
        f"Read it and answer: {_comment_url(comment)}\n\n"
        f"You get this mail because you commented on {site_values().name}. "
        f"No more mail about replies: {unsubscribe}\n"
    )
    return EmailMessage(
        subject=f"{name} replied to your comment on “{_clean(post.title)}”",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058
        },
    )


def notify_reply(comment: Comment) -> bool:
    """Mail the member `comment` answers, unless they opted out, cannot take mail, or
    replied to themselves; True if sent."""
    parent = comment.parent
    if parent is None or parent.status != Comment.Status.APPROVED:
        return False
    member = parent.member
    if member is None or member.pk == comment.member_id or not member.receives_mail:
        return False
    if ReplyOptOut.objects.filter(member=member).exists():
        return False
    notice = _claim(Kind.REPLY, comment, member.email)
    return notice is not None and _send(notice, _reply_message(comment, parent))


def notify_comment(comment_id: int) -> int:
    """Everything owed for a comment that became visible; how many mails were sent.

    Nothing for a comment that is no longer approved when the worker gets to it."""
    comment = (
        Comment.objects.select_related("post", "member", "parent__member")
        .filter(pk=comment_id, status=Comment.Status.APPROVED)
        .first()
    )
    if comment is None:
        return 0
    return notify_authors(comment) + notify_reply(comment)


# --- To editors: the hourly digest ------------------------------------------------------------


def digest_period(now: datetime) -> str:
    """The digest's key: the hour in UTC ("2026-12-05T14")."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H")


def editors():
    """Active editors (and superusers) with an address, who did not turn the digest off."""
    users = get_user_model().objects.with_perm(
        "blog.edit_any_post", backend="django.contrib.auth.backends.ModelBackend"
    )
    opted_out = AuthorPreference.objects.filter(pending_digest=False).values("user_id")
    return users.filter(is_active=True).exclude(email="").exclude(pk__in=opted_out)


def _digest_message(to: str, comments: list[Comment], more: int) -> EmailMessage:
    queue = site_url(reverse("admin:comments_comment_changelist"))
    count = len(comments) + more
    lines = [
        f"{count} new comment{'s' * (count != 1)} on {site_values().name} "
        f"{'are' if count != 1 else 'is'} waiting for approval:",
        "",
    ]
    for comment in comments:
        excerpt = _clean(comment.body, 100)
        lines.append(
            f"- {_clean(comment.author_name or 'Someone', 60)} on “{_clean(comment.post.title)}”:"
        )
        lines.append(f"  {excerpt}")
    if more:
        lines += ["", f"… and {more} more."]
    lines += ["", f"The moderation queue: {queue}", ""]
    return EmailMessage(
        subject=f"{count} comment{'s' * (count != 1)} waiting for approval",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )


def send_pending_digests(now: datetime | None = None) -> int:
    """One mail per editor per hour listing the comments waiting for approval that arrived
    since their last digest (all waiting ones for a first digest), only if there are any.
    `now` names the hour (the digest's period). How many mails were sent."""
    now = now or timezone.now()
    period = digest_period(now)
    waiting = Comment.objects.filter(status=Comment.Status.PENDING)
    sent = 0
    for editor in editors():
        email = editor.email.strip().lower()
        last = (
            CommentNotice.objects.filter(kind=Kind.PENDING_DIGEST, email=email)
            .order_by("-created_at")
            .first()
        )
        new = waiting.filter(created_at__gt=last.created_at) if last else waiting
        if not new.exists():
            continue
        notice = _claim(Kind.PENDING_DIGEST, None, email, period)
        if notice is None:
            continue  # this hour's digest went already
        # Up to the claim's own time, which the next digest starts from: nothing falls
        # between two digests, nothing is in two.
        listed = new.filter(created_at__lte=notice.created_at)
        comments = list(listed.select_related("post").order_by("created_at")[:DIGEST_LIMIT])
        if not comments:  # approved or removed since we looked
            notice.delete()
            continue
        more = max(listed.count() - len(comments), 0)
        sent += _send(notice, _digest_message(email, comments, more))
    return sent
