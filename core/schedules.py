"""The beat schedule run inside the web process when there is no broker (`make run`).

With a broker, Celery beat sends the periodic tasks that `manage.py setup_schedules`
stores (django-celery-beat's `PeriodicTask` rows: the publish sweep, scheduled updates,
the reconcilers, the daily report) to a worker. `make run` has neither: tasks run
in-process (`CELERY_TASK_ALWAYS_EAGER`), and nothing would ever apply a scheduled update
or run a sweep. So `manage.py serve` (what `make run` starts) runs one daemon thread in
the serving process that reads the same rows and runs each due task there: in the
process whose local-memory cache the task's writes must retire (a second process would
retire its own, empty cache and readers would keep the old page).

Each task first runs one of its intervals after the server starts (the daily report is
not sent at every start). Production never runs this: beat and the worker do.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

from celery import current_app
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

POLL_SECONDS = 10


def run_due(last_run: dict[int, datetime], now: datetime | None = None) -> list[str]:
    """Run every enabled periodic task that is due since `last_run[task id]` (a task
    first seen counts from `now`); returns the names of those that ran."""
    from django_celery_beat.models import PeriodicTask

    autodiscover_modules("tasks")  # every app's tasks registered, as a worker has them
    now = now or timezone.now()
    ran = []
    for periodic in PeriodicTask.objects.filter(enabled=True).select_related("interval", "crontab"):
        if periodic.interval is None and periodic.crontab is None:
            continue  # solar and one-off schedules: none of ours
        last = last_run.setdefault(periodic.pk, now)
        due, _next = periodic.schedule.is_due(last)
        if not due:
            continue
        last_run[periodic.pk] = now
        task = current_app.tasks.get(periodic.task)
        if task is None:
            logger.warning("schedule %s names an unknown task %s", periodic.name, periodic.task)
            continue
        try:
            task.apply(
                args=json.loads(periodic.args or "[]"), kwargs=json.loads(periodic.kwargs or "{}")
            )
        except Exception:  # one failing task must not stop the others, nor the thread
            logger.exception("scheduled task %s failed", periodic.name)
        ran.append(periodic.name)
    return ran


def _loop() -> None:
    last_run: dict[int, datetime] = {}
    while True:
        try:
            close_old_connections()
            run_due(last_run)
        except Exception:
            logger.exception("the in-process schedule could not run")
        finally:
            close_old_connections()
        time.sleep(POLL_SECONDS)


def start_in_process() -> threading.Thread:
    """Start the schedule thread (a daemon: it ends with the server)."""
    thread = threading.Thread(target=_loop, name="in-process-beat", daemon=True)
    thread.start()
    return thread
