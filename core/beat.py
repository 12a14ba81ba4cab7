"""Celery beat's scheduler: django-celery-beat's, kept alive while the database is away.

django-celery-beat reads every schedule again at least every 5 minutes, and that read is
not guarded: if PostgreSQL is restarting at that moment, the exception leaves
`Scheduler.tick()`, beat logs "beat raised exception" and exits. Nothing sends the
publish sweep, the reconcilers or the daily report until something restarts beat: Docker
Compose does (`restart: unless-stopped`), a process started by hand or `make stack` does
not. Seen in the stack tests: a 5-second database outage that fell on the 5-minute read
ended beat for the rest of the run.

Here a database error in a tick is logged as a warning, beat keeps the schedule it
has (tasks already in it are still sent: the broker is up) and tries again after
`RETRY_SECONDS`. Once the database answers, django-celery-beat's own change check and
5-minute read pick up whatever changed meanwhile. Delete this when django-celery-beat
guards its full read (its `schedule_changed` and `sync` already catch database errors).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler as _DjangoCeleryBeatScheduler

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class DatabaseScheduler(_DjangoCeleryBeatScheduler):
    """`CELERY_BEAT_SCHEDULER`: django-celery-beat's scheduler that survives a database
    outage instead of ending beat."""

    def tick(self, *args, **kwargs) -> float:
        try:
            return super().tick(*args, **kwargs)
        except (DatabaseError, InterfaceError) as error:
            # At most once per 5-minute read while the outage lasts: django-celery-beat
            # counts the failed read as done.
            logger.warning(
                "beat: the database is unreachable (%s); keeping the schedule it has, "
                "retrying in %.0f s",
                error,
                RETRY_SECONDS,
            )
            close_old_connections()  # a broken connection is replaced at the next query
            return RETRY_SECONDS
