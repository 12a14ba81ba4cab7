"""Project wiring. Importing the Celery app here binds `@shared_task`s to it at startup."""

from .celery import app as celery_app

__all__ = ("celery_app",)
