"""Tasks delivered through a real Redis broker to real worker processes.

The report is idempotent per day and mailed once, also when two copies run at once or a
worker dies mid-task and the broker delivers the task again; session cleanup runs.
"""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from blog.models import Report
from blog.reports import report_default_day
from blog.tasks import build_report, cleanup_sessions
from tests.factories import PostFactory, UserFactory
from tests.jobs.conftest import (
    sessions_waiting_on_locks,
    table_locked,
    terminate_waiting_sessions,
    wait_for,
)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def yesterday_posts():
    """Staff to mail and two posts of yesterday's. (No role groups here: a transactional
    test's flush removes what the data migrations made.)"""
    chief = UserFactory(
        username="chief", email="chief@example.com", is_staff=True, is_superuser=True
    )
    day = report_default_day()
    noon = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=12)
    PostFactory.create_batch(2, published_at=noon, author=chief)
    return day


def mailed(day) -> bool:
    return Report.objects.filter(day=day, mailed_at__isnull=False).exists()


def test_report_through_the_broker_is_made_once_per_day(broker, worker, yesterday_posts):
    day, start, mails = yesterday_posts, worker.mark(), len(worker.mails())

    first = build_report.delay(day.isoformat())
    wait_for(lambda: worker.succeeded(first.id), what="the first report task")
    again = build_report.delay()  # default day: yesterday, the same day
    wait_for(lambda: worker.succeeded(again.id), what="the second report task")
    wait_for(lambda: worker.count(r"mail_report\[\S+\] succeeded", start) == 2, what="mails")

    report = Report.objects.get()
    assert (report.day, report.published_count, report.per_author != {}) == (day, 2, True)
    assert report.mailed_at is not None
    assert len(worker.mails()) - mails == 1
    assert "chief@example.com" in worker.mails()[-1]


def test_two_report_tasks_at_once_leave_one_report_and_one_mail(broker, worker, yesterday_posts):
    day, start, mails = yesterday_posts, worker.mark(), len(worker.mails())

    # Both tasks start, reach the report table and wait there; released, they race.
    with table_locked("blog_report"):
        tasks = [build_report.delay(day.isoformat()) for _ in range(2)]
        wait_for(lambda: sessions_waiting_on_locks() >= 2, what="both tasks at the lock")

    wait_for(lambda: all(worker.succeeded(t.id) for t in tasks), what="both report tasks")
    wait_for(lambda: worker.count(r"mail_report\[\S+\] succeeded", start) == 2, what="mails")
    assert Report.objects.filter(day=day).count() == 1
    assert mailed(day)
    assert len(worker.mails()) - mails == 1


def test_session_cleanup_removes_expired_sessions_only(broker, worker):
    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="l" * 32, session_data="", expire_date=now + timedelta(1))

    task = cleanup_sessions.delay()
    wait_for(lambda: worker.succeeded(task.id), what="the cleanup task")

    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]


def test_pool_process_killed_mid_task_is_retried_by_the_same_worker(
    fresh_broker, start_worker, yesterday_posts
):
    """task_reject_on_worker_lost: the lost task goes back to the queue at once."""
    day = yesterday_posts
    worker = start_worker(fresh_broker)
    with table_locked("blog_report"):
        task = build_report.delay(day.isoformat())
        wait_for(lambda: sessions_waiting_on_locks() >= 1, what="the task at the lock")
        (child,) = worker.pool_children()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in worker.log(), what="the worker to see the loss")

    wait_for(lambda: worker.succeeded(task.id), what="the redelivered task")
    wait_for(lambda: mailed(day), what="the mail")
    assert Report.objects.filter(day=day).count() == 1
    assert len(worker.mails()) == 1


def test_worker_killed_mid_task_task_is_redelivered_to_the_next_worker(
    fresh_broker, start_worker, yesterday_posts
):
    """acks_late: an unacknowledged task returns after the Redis visibility timeout."""
    day = yesterday_posts
    first = start_worker(fresh_broker)
    with table_locked("blog_report"):
        task = build_report.delay(day.isoformat())
        wait_for(lambda: sessions_waiting_on_locks() >= 1, what="the task at the lock")
        first.kill()
    # The killed worker's transaction never commits.
    assert not Report.objects.exists()

    second = start_worker(
        fresh_broker, CELERY_VISIBILITY_TIMEOUT="2", BROADSHEET_TEST_RESTORE_INTERVAL="1"
    )
    wait_for(lambda: second.succeeded(task.id), timeout=30, what="the restored task")
    wait_for(lambda: mailed(day), what="the mail")
    assert Report.objects.filter(day=day).count() == 1
    assert len(second.mails()) == 1
    assert f"[{task.id}] succeeded" not in first.log()


def test_database_blip_mid_report_is_retried_one_report_one_mail(broker, worker, yesterday_posts):
    """The task's connection dies under it (as in a PostgreSQL restart): it retries."""
    day, start, mails = yesterday_posts, worker.mark(), len(worker.mails())
    with table_locked("blog_report"):
        task = build_report.delay(day.isoformat())
        wait_for(lambda: sessions_waiting_on_locks() >= 1, what="the task at the lock")
        assert terminate_waiting_sessions() == 1
        wait_for(
            lambda: f"build_report[{task.id}] will retry" in worker.log(start),
            what="the task to schedule its retry",
        )

    wait_for(lambda: worker.succeeded(task.id), timeout=30, what="the retried task")
    wait_for(lambda: mailed(day), what="the mail")
    assert "OperationalError" in worker.log(start)
    assert Report.objects.filter(day=day).count() == 1
    assert len(worker.mails()) - mails == 1
