"""Celery tasks of the comments app: thin wrappers over `comments.notifications`.

Both are idempotent (a `CommentNotice` row per mail, written before the send), so a
redelivery (acks_late, a worker lost mid-task) or a retry sends nothing twice.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from core.tasks import RETRY_OPTIONS, TRANSIENT_ERRORS

from . import notifications

_MAIL_RETRIES = {
    "autoretry_for": (smtplib.SMTPException, OSError, *TRANSIENT_ERRORS),
    **RETRY_OPTIONS,
    "retry_backoff": 5,
    "max_retries": 10,
}


@shared_task(**_MAIL_RETRIES)
def notify_comment(comment_id: int) -> int:
    """The mails owed for a comment that became visible (authors, the member replied to)."""
    return notifications.notify_comment(comment_id)


@shared_task(**_MAIL_RETRIES)
def send_pending_digest() -> int:
    """Beat, hourly: the editors' digest of comments waiting for approval."""
    return notifications.send_pending_digests()
