"""Celery beat's scheduler: django-celery-beat's, kept alive while the database is away.

django-celery-beat reads every schedule again at least every 5 minutes, and that read is
not guarded: if PostgreSQL is restarting at that moment, the exception leaves
`Scheduler.tick()`, beat logs "beat raised exception" and exits. Nothing sends the
publish sweep, the reconcilers or the daily report until something restarts beat: Docker
Compose does (`restart: unless-stopped`), a process started by hand or `make stack` does
not. Seen in the stack tests: a database outage of a few seconds that fell on the
5-minute read ended beat for the rest of the run.

Here a lost or refused connection in a tick is logged as a warning and beat goes on with
the schedule it has (what falls due is still sent: the broker is up); its next tick is
`RETRY_SECONDS` later. django-celery-beat counts the failed read as done: once the
database answers, its change check (every tick) picks up edited schedules, and its next
5-minute read everything. Other database errors (a missing table after an upgrade without
`migrate`) still end beat: a stale schedule must not run on quietly. An outage while beat
starts still ends it too (the first read happens before any tick). Delete this when
django-celery-beat guards its full read (its change check and `sync` already catch
database errors): docs/decisions/0037-beat-survives-a-database-outage.md.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError, close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler as _DjangoCeleryBeatScheduler

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0


class DatabaseScheduler(_DjangoCeleryBeatScheduler):
    """`CELERY_BEAT_SCHEDULER`: django-celery-beat's scheduler that survives a database
    outage instead of ending beat."""

    def tick(self, *args, **kwargs) -> float:
        try:
            return super().tick(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            # At most once per 5-minute read while the outage lasts: django-celery-beat
            # counts the failed read as done.
            logger.warning(
                "beat: the database is unreachable (%s); going on with the schedule it "
                "has until the next full read",
                error,
            )
            close_old_connections()  # a broken connection is replaced at the next query
            return RETRY_SECONDS
