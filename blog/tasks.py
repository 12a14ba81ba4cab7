"""Celery tasks: thin wrappers that load by id and call `blog.reports` or `blog.sweep`.

Every task is idempotent, so a redelivery (acks_late, a worker lost mid-task) is harmless.
Work triggered by a save is sent with `enqueue_on_commit`, never directly.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date
from importlib import import_module

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction

from . import reports, sweep
from .models import Report

logger = logging.getLogger(__name__)

# Bounded publish retries: a dead broker must not hold up the save that enqueues.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}


def enqueue_on_commit(task: Task, *args) -> None:
    """Send `task(*args)` once the current transaction commits; nothing if it rolls back.

    If the broker is unreachable the error is logged and swallowed: the caller's write
    has succeeded, and the periodic sweep catches up on what the task would have done.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, retry_policy=PUBLISH_RETRY_POLICY)
        except Exception:
            logger.exception("could not enqueue %s%r; the next sweep catches up", task.name, args)

    transaction.on_commit(send, robust=True)


@shared_task
def build_report(day: str | None = None) -> int:
    """Build the report of `day` (ISO date; default yesterday), then queue its mail."""
    report = reports.report_build(
        day=date.fromisoformat(day) if day else reports.report_default_day()
    )
    enqueue_on_commit(mail_report, report.pk)
    return report.pk


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def mail_report(report_id: int) -> bool:
    """Mail a report to staff once; SMTP trouble is retried with bounded backoff."""
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
