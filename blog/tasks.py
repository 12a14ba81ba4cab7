"""Celery tasks: thin wrappers that load by id and call `blog.reports` or `blog.sweep`.

Every task is idempotent, so a redelivery (acks_late, a worker lost mid-task) is harmless.
Work triggered by a save is sent with `enqueue_on_commit`, never directly.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date
from importlib import import_module

import redis.exceptions
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

from config.cache import redis_is_down
from config.circuit import CircuitBreaker

from . import reports, sweep
from .models import Report

logger = logging.getLogger(__name__)

# A send from a web request: one attempt, every socket operation bounded, no reconnect
# loop. A dead Redis answers at once (connection refused); a frozen one costs at most
# these timeouts, once per breaker cooldown and process.
REQUEST_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.2,
    "socket_timeout": 0.2,
    "max_retries": 0,
}
broker_breaker = CircuitBreaker("Celery broker (sending from a request)", cooldown=10.0)

# Inside a worker the broker may take a few seconds to come back; then the task retries.
WORKER_RETRY_POLICY = {
    "max_retries": 5,
    "interval_start": 0.5,
    "interval_step": 1,
    "interval_max": 3,
}

# Errors that pass: the database restarting or failing over, the broker coming back.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    BrokerError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
# Retry countdowns stay well under the broker's visibility timeout minus the hard time
# limit (config/settings/base.py), so a task waiting for its retry is never handed out
# twice.
RETRY_OPTIONS = {
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
}


def send_from_request(task: Task, *args) -> bool:
    """Send `task(*args)` now, bounded well under a second; False if the broker is away.

    Never raises and never waits on a reconnect loop: the caller is a request whose write
    has succeeded, and the periodic sweep does what a lost message would have done.
    """
    if redis_is_down(task.app.conf.broker_url) or not broker_breaker.allow():
        return False  # the cache found this Redis away just now, or we did
    try:
        with task.app.connection_for_write(
            transport_options=REQUEST_TRANSPORT_OPTIONS
        ) as connection:
            task.apply_async(args=args, connection=connection, retry=False)
    except Exception as error:
        broker_breaker.failed(error)  # logged once per outage, counted after that
        return False
    broker_breaker.succeeded()
    return True


def enqueue_on_commit(task: Task, *args) -> None:
    """Send `task(*args)` once the current transaction commits; nothing if it rolls back.

    If the broker is unreachable, the save still succeeds (in well under a second) and
    the next sweep catches up on what the task would have done.
    """
    transaction.on_commit(lambda: send_from_request(task, *args), robust=True)


@shared_task(autoretry_for=TRANSIENT_ERRORS, **RETRY_OPTIONS)
def build_report(day: str | None = None) -> int:
    """Build the report of `day` (ISO date; default yesterday), then queue its mail.

    A database or broker error retries the whole task with backoff: building again
    refreshes the same row, and the mail is sent once whatever happens (`report_mail`).
    """
    report = reports.report_build(
        day=date.fromisoformat(day) if day else reports.report_default_day()
    )
    mail_report.apply_async(args=[report.pk], retry_policy=WORKER_RETRY_POLICY)
    return report.pk


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError, *TRANSIENT_ERRORS),
    **{**RETRY_OPTIONS, "retry_backoff": 5, "max_retries": 10},
)
def mail_report(report_id: int) -> bool:
    """Mail a report to staff once; SMTP, database and broker trouble is retried."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        logger.warning("report %s no longer exists; nothing to mail", report_id)
        return False
    return reports.report_mail(report=report)


@shared_task
def cleanup_sessions() -> None:
    """Remove expired sessions (what `manage.py clearsessions` does)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task
def publish_sweep() -> int:
    """Go-live side effects for every post that became public since the last sweep."""
    return len(sweep.publish_sweep())


@shared_task
def announce_post(post_id: int) -> bool:
    """Go-live side effects for one post, right after a save made it public."""
    return sweep.post_announce(post_id=post_id)
