"""Exports through the worker: an editor asks, the worker builds, the editor downloads.

`export_job_request` (admin) records the job and enqueues `transfer.tasks.build_export`
once the transaction commits; `export_job_build` (the task) writes the document,
gzipped, into the job. Building twice is harmless: a finished job is left alone.
"""

from __future__ import annotations

import gzip
import io
import logging

from django.db import transaction
from django.utils import timezone

from core.tasks import enqueue_on_commit

from .exporting import write_document
from .models import ExportJob

logger = logging.getLogger(__name__)


def export_job_request(*, user) -> ExportJob:
    """A queued export for `user`; the worker builds it after the commit."""
    from .tasks import build_export

    job = ExportJob.objects.create(requested_by=user)
    enqueue_on_commit(build_export, job.pk)
    return job


def export_job_build(*, job_id: int) -> ExportJob | None:
    """Build the export of job `job_id` (idempotent: a finished job is returned as is)."""
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status == ExportJob.Status.DONE:
        return job
    buffer = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=buffer, mode="wb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8")
            posts = write_document(text)
            text.flush()
            text.detach()
    except Exception as error:
        logger.exception("export %s failed", job_id)
        job.status, job.error = ExportJob.Status.FAILED, repr(error)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    with transaction.atomic():
        job.content = buffer.getvalue()
        job.size, job.posts = len(job.content), posts
        job.status, job.error, job.finished_at = ExportJob.Status.DONE, "", timezone.now()
        job.save()
    return job
