"""Celery tasks of the members app: load by id, send.

`send_link` mails a sign-in or confirmation link at most once: the link row is claimed
(`sent_at`) before the send. A send that raises (the server refused or could not be
reached: the message was not accepted) gives the claim back and retries with backoff; a
worker that dies mid-send leaves the claim, and the link is not mailed again (the reader
asks for another; a second mail of a link is never sent).
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.utils import timezone

from .mails import link_message
from .models import SignInLink

MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**MAIL_RETRY)
def send_link(link_id: int, token: str) -> bool:
    """Mail link `link_id` (its `token`, which only the mail carries); False if it was
    sent already, used, expired or deleted."""
    now = timezone.now()
    claimable = SignInLink.objects.filter(
        pk=link_id, sent_at__isnull=True, used_at__isnull=True, expires_at__gt=now
    )
    if not claimable.update(sent_at=now):
        return False
    link = SignInLink.objects.select_related("member").filter(pk=link_id).first()
    if link is None:  # the member was deleted in the meantime
        return False
    try:
        link_message(link, token).send()
    except Exception:
        SignInLink.objects.filter(pk=link_id).update(sent_at=None)  # not accepted: retry
        raise
    return True
