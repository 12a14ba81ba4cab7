"""The Celery app: `celery -A config worker` runs tasks, `celery -A config beat` sends the
schedules that django-celery-beat keeps in the database (see docs/jobs.md).

Configured from Django settings with the `CELERY_` prefix (config/settings/base.py); tasks
are found in each app's `tasks.py`. Without a broker (`make run`) tasks run in-process.
"""

import logging
import os

from celery import Celery
from celery.signals import task_failure, task_retry

from config.settings import default_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_module())

app = Celery("broadsheet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger("broadsheet.tasks")


@task_retry.connect
def log_retry(sender=None, request=None, reason=None, **kwargs) -> None:
    """Every retry is logged with the task id, in the worker and in-process alike."""
    logger.warning(
        "task %s[%s] will retry (attempt %s): %r",
        sender.name,
        request.id,
        request.retries + 1,
        reason,
    )


@task_failure.connect
def log_failure(sender=None, task_id=None, exception=None, **kwargs) -> None:
    """A task that gives up (or fails at once) is logged with its id and traceback."""
    logger.error(
        "task %s[%s] failed: %r",
        sender.name,
        task_id,
        exception,
        exc_info=(type(exception), exception, exception.__traceback__),
    )
