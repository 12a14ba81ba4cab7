"""Celery tasks of the members app.

`mail_link` mails the link one sign-up or sign-in request asked for, at most once: the
link row (unique per request) is written, marked sent, before the send. What happens
when the send fails depends on whether the mail server can have taken the message:

- definitely not (we could not connect or log in, or it refused the sender, every
  recipient or the data with a 4xx/5xx reply): the row is deleted again and the task
  retries with backoff, issuing a fresh link;
- perhaps (the connection dropped or timed out once the message was on its way, the
  server's `250` may have been lost): the row stays and nothing is retried. The reader
  may get the mail or ask for another link; no one gets the same request's mail twice.

A worker that dies mid-send leaves the row too, and the redelivered task sends nothing.

`delete_unconfirmed_signups` (beat, daily) forgets sign-ups nobody confirmed.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib

from celery import shared_task
from django.core.mail import get_connection

from . import services
from .mails import link_message
from .models import SignInLink

logger = logging.getLogger(__name__)

MAIL_RETRY = {
    "retry_backoff": 5,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


class NotSent(Exception):
    """The mail server definitely did not take the message (`__cause__` says why)."""


def refused(error: Exception) -> bool:
    """True when `error`, raised while sending, means the server refused the message:
    a 4xx/5xx reply to the sender, the recipients or the data (it then keeps nothing)."""
    return isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPResponseException)


def send_once(message) -> None:
    """Send `message`; raise `NotSent` when it definitely was not taken. Any other error
    (a disconnect, a timeout once the session began) propagates: it may have been."""
    connection = get_connection()
    try:
        connection.open()  # nothing sent yet: any failure here is definite
    except (smtplib.SMTPException, OSError) as error:
        raise NotSent() from error
    try:
        message.connection = connection
        message.send()
    except Exception as error:
        if refused(error):
            raise NotSent() from error
        raise
    finally:
        # The message is handed over (or not) already; a failed QUIT changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


@shared_task(autoretry_for=(NotSent,), **MAIL_RETRY)
def mail_link(email: str, name: str, request_key: str, next_url: str = "") -> bool:
    """Mail `email` a confirmation or sign-in link (`members.services.issue_link`);
    False if this request's link was mailed already, or perhaps was (see above)."""
    issued = services.issue_link(email=email, name=name, request_key=request_key)
    if issued is None:
        return False
    link, token = issued
    try:
        send_once(link_message(link, token, next_url))
    except NotSent:
        SignInLink.objects.filter(pk=link.pk).delete()  # not taken: a retry makes another
        raise
    except Exception as error:
        # Perhaps delivered: keep the record (at most once), and do not send again.
        logger.warning("Sign-in link mail %s may not have been sent: %r", link.pk, error)
        return False
    return True


@shared_task
def delete_unconfirmed_signups() -> int:
    """Beat, daily: `members.services.delete_unconfirmed_signups`."""
    return services.delete_unconfirmed_signups()
