"""Celery tasks: build a requested export, and redo exports whose message was lost.

An export can run for half an hour, far past the broker's visibility timeout (300 s), so
the broker may hand its message out again while it runs. `build_export` therefore first
claims the job's row (queued → running, one conditional UPDATE): a second copy finds it
running and exits. A claim older than the hard time limit belongs to a worker that died;
the job may then be claimed again. `reconcile_exports` (beat) re-sends the queued jobs
whose message was lost and the running ones whose worker died; the claim makes a copy
too many harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.tasks import WORKER_RETRY_POLICY

from .models import ExportJob
from .services import export_job_build

logger = logging.getLogger(__name__)

TIME_LIMIT = 1900


def _abandoned_before() -> timedelta:
    """A claim older than this outlived the hard time limit: its worker is gone."""
    return timedelta(seconds=TIME_LIMIT + 60)


def export_job_claim(*, job_id: int) -> bool:
    """Mark job `job_id` as running, unless it is done, failed, or running elsewhere."""
    now = timezone.now()
    return bool(
        ExportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ExportJob.Status.QUEUED)
            | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - _abandoned_before())
        )
        .update(status=ExportJob.Status.RUNNING, started_at=now)
    )


@shared_task(soft_time_limit=1800, time_limit=TIME_LIMIT)
def build_export(job_id: int) -> int:
    """Build export job `job_id` if this copy claims it; returns the number of posts."""
    if not export_job_claim(job_id=job_id):
        logger.info("export %s is done or being built elsewhere: nothing to do", job_id)
        return 0
    job = export_job_build(job_id=job_id)
    return job.posts if job else 0


def exports_lost() -> QuerySet[ExportJob]:
    """Queued jobs whose message has not run in time, and running jobs whose worker died."""
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.BROADSHEET_RECONCILE_AFTER_SECONDS)
    return ExportJob.objects.filter(
        Q(status=ExportJob.Status.QUEUED, created_at__lte=lost_before)
        | Q(status=ExportJob.Status.RUNNING, started_at__lt=now - _abandoned_before())
    )


@shared_task
def reconcile_exports() -> int:
    """Send `build_export` again for every job `exports_lost` finds."""
    ids = list(exports_lost().order_by("pk").values_list("pk", flat=True)[:100])
    for pk in ids:
        build_export.apply_async((pk,), retry_policy=WORKER_RETRY_POLICY)
    if ids:
        logger.info("reconciler: queued %d export(s): %s", len(ids), ids)
    return len(ids)
