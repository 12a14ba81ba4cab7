"""`setup_schedules`: idempotent, keeps an editor's timing, and beat reads what it made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from io import StringIO
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
import pytest
from celery.utils.imports import symbol_by_name
from django.core.management import call_command
from django.db import connection
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler
from psycopg import sql

from config import celery_app
from tests.jobs.conftest import worker_database_url

pytestmark = pytest.mark.django_db

NAMES = {
    "daily-report", "cleanup-sessions", "publish-sweep", "scheduled-updates",
    "webhook-deliveries", "renditions-reconcile", "exports-reconcile", "embeds-reconcile",
    "newsletters-reconcile", "newsletters-weekly-digest",
    "comments-pending-digest", "members-unconfirmed-cleanup",
}  # fmt: skip


def setup_schedules(*args) -> str:
    out = StringIO()
    call_command("setup_schedules", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list:
    return [
        list(PeriodicTask.objects.order_by("name").values()),
        list(IntervalSchedule.objects.order_by("pk").values()),
        list(CrontabSchedule.objects.order_by("pk").values()),
    ]


def test_setup_schedules_twice_changes_nothing():
    assert setup_schedules().count("created") == len(NAMES)
    before = snapshot()

    assert setup_schedules().count("unchanged") == len(NAMES)
    assert snapshot() == before
    tasks = {t.name: t for t in PeriodicTask.objects.all()}
    assert set(tasks) == NAMES
    assert tasks["publish-sweep"].interval.every == 60
    assert tasks["cleanup-sessions"].interval.every == 300
    assert tasks["publish-sweep"].task == "blog.tasks.publish_sweep"


def test_an_editors_timing_survives_until_reset():
    setup_schedules()
    sweep = PeriodicTask.objects.get(name="publish-sweep")
    sweep.interval = IntervalSchedule.objects.create(every=120, period=IntervalSchedule.SECONDS)
    sweep.enabled = False
    sweep.save()
    report = PeriodicTask.objects.get(name="daily-report")
    report.crontab = CrontabSchedule.objects.create(minute="30", hour="6", timezone="UTC")
    report.save()
    before = snapshot()

    setup_schedules()
    assert snapshot() == before

    assert "publish-sweep: updated timing" in setup_schedules("--reset")
    sweep.refresh_from_db()
    assert (sweep.interval.every, sweep.enabled) == (60, False)  # enabled is theirs to keep


def test_daily_report_runs_at_the_configured_time_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    settings.BROADSHEET_DAILY_REPORT_AT = "07:45"
    setup_schedules()

    crontab = PeriodicTask.objects.get(name="daily-report").crontab
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("7", "45", "Europe/Paris")


# The scheduler closes "old" connections, which ends a test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_beat_scheduler_sees_every_entry(time_machine, settings):
    # django-celery-beat (2.8+) loads only crontab entries within two hours of the current
    # hour, so read the schedule at 07:30 site time, just before the daily report is due.
    time_machine.move_to(datetime(2026, 1, 5, 7, 30, tzinfo=ZoneInfo(settings.TIME_ZONE)))
    setup_schedules()

    entries = DatabaseScheduler(app=celery_app).schedule

    assert set(entries) >= NAMES
    assert entries["publish-sweep"].task == "blog.tasks.publish_sweep"
    assert entries["publish-sweep"].schedule.run_every.total_seconds() == 60
    assert entries["cleanup-sessions"].schedule.run_every.total_seconds() == 300
    assert entries["scheduled-updates"].task == "editorial.tasks.apply_scheduled_updates"
    assert entries["scheduled-updates"].schedule.run_every.total_seconds() == 60
    daily = entries["daily-report"].schedule
    assert (daily.hour, daily.minute) == ({8}, {0})
    assert entries["daily-report"].task == "blog.tasks.build_report"


@contextmanager
def _database_away() -> Iterator[None]:
    """The test database refuses connections and this process's sessions are ended, as
    while PostgreSQL restarts (other workers' databases are not touched)."""
    name = connection.settings_dict["NAME"]
    maintenance = urlunsplit(urlsplit(worker_database_url())._replace(path="/postgres"))

    def allow(allowed: str) -> None:  # a connection of its own each time: always runs
        statement = sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}")
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(statement.format(sql.Identifier(name), sql.SQL(allowed)))
            if allowed == "false":
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [name],
                )

    try:
        allow("false")
        yield
    finally:
        allow("true")


def _sent_by(scheduler) -> Callable[[], list[str]]:
    """What `scheduler` sends, recorded instead of sent (this test needs no broker):
    returns a function that runs its ticks until it waits and lists what they sent."""
    sent: list[str] = []
    scheduler.apply_entry = lambda entry, producer=None: sent.append(entry.name)
    scheduler.producer = None

    def ticks() -> list[str]:
        sent.clear()
        for _ in range(50):
            if scheduler.tick() > 0:
                break
        return list(sent)

    return ticks


@pytest.mark.postgresql  # a database that refuses connections for a while
@pytest.mark.django_db(transaction=True)
def test_beat_outlives_a_database_outage_at_its_five_minute_read(
    request, time_machine, settings, caplog
):
    start = datetime(2026, 1, 5, 7, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
    time_machine.move_to(start)
    setup_schedules()
    scheduler = symbol_by_name(settings.CELERY_BEAT_SCHEDULER)(app=celery_app)
    # Written back now, not at the interpreter's exit (a finalizer beat registers), when
    # the test database is gone.
    request.addfinalizer(scheduler.sync)
    ticks = _sent_by(scheduler)
    assert ticks() == []  # nothing due yet; the heap is built
    time_machine.move_to(start + timedelta(seconds=61))
    assert "publish-sweep" in ticks()

    # PostgreSQL goes away just as django-celery-beat's full read (every 5 min) is due.
    with _database_away():
        time_machine.move_to(start + timedelta(minutes=6))
        # django-celery-beat's own scheduler raises here, and beat exits.
        assert ticks() == []
        assert "database is unreachable" in caplog.text
        # Beat goes on with the schedule it has: what falls due is still sent.
        time_machine.move_to(start + timedelta(minutes=7, seconds=2))
        assert "publish-sweep" in ticks()

    # The database answers again: the next full read sees what changed meanwhile.
    PeriodicTask.objects.filter(name="publish-sweep").update(enabled=False)
    time_machine.move_to(start + timedelta(minutes=13))
    sent = ticks()
    assert "scheduled-updates" in sent and "publish-sweep" not in sent
