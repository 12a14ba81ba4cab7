"""Celery tasks of the members app.

`mail_link` mails the link one sign-up or sign-in request asked for, at most once: the
link row (unique per request) is written, marked sent, before the send. A send that
raises (the server refused the message or could not be reached: it was not accepted)
deletes that row again and retries with backoff, issuing a fresh link; a worker that
dies mid-send leaves the row, and the redelivered task sends nothing (the reader asks
for another link; no one gets the same request's mail twice).
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from .mails import link_message
from .models import SignInLink
from .services import issue_link

MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**MAIL_RETRY)
def mail_link(email: str, name: str, request_key: str) -> bool:
    """Mail `email` a confirmation or sign-in link (`members.services.issue_link`);
    False if this request's link was mailed already."""
    issued = issue_link(email=email, name=name, request_key=request_key)
    if issued is None:
        return False
    link, token = issued
    try:
        link_message(link, token).send()
    except Exception:
        SignInLink.objects.filter(pk=link.pk).delete()  # not accepted: a retry makes another
        raise
    return True
