"""Celery task: build a requested export (thin: loads the job by id, calls the service)."""

from celery import shared_task

from .services import export_job_build


@shared_task(soft_time_limit=1800, time_limit=1900)
def build_export(job_id: int) -> int:
    """Build export job `job_id`; returns the number of posts in it."""
    job = export_job_build(job_id=job_id)
    return job.posts if job else 0
