"""Celery tasks: thin wrappers that load by id and call `blog.reports` or `blog.sweep`.

Every task is idempotent, so a redelivery (acks_late, a worker lost mid-task) is harmless.
Work triggered by a save is sent with `enqueue_on_commit`, never directly.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import date
from importlib import import_module

from celery import shared_task
from django.conf import settings

from core.tasks import RETRY_OPTIONS, TRANSIENT_ERRORS, WORKER_RETRY_POLICY

from . import reports, sweep
from .models import Report

logger = logging.getLogger(__name__)


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
