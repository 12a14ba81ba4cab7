"""`make run` (no broker, tasks in-process): publishing a post sends nothing inside the
editor's request; the in-process schedule (core.schedules, what `manage.py serve` runs)
sends the issue a batch per tick; and a task failing in-process is that task's failure,
not a broker outage that would make every later task of the process skip."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from core.schedules import run_due
from core.tasks import broker_breaker, enqueue_on_commit
from members.models import Member
from newsletters.models import Issue, Newsletter, Subscription
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

ran: list[str] = []


@shared_task(name="tests.newsletters.failing_task")
def failing_task(what: str) -> None:
    ran.append(what)
    raise RuntimeError("this task's own bug")


@shared_task(name="tests.newsletters.working_task")
def working_task(what: str) -> None:
    ran.append(what)


def test_a_task_failing_in_process_does_not_trip_the_broker_breaker(
    django_capture_on_commit_callbacks,
):
    broker_breaker.reset()
    ran.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            enqueue_on_commit(failing_task, f"fail {n}")
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(working_task, "after")

    assert ran == ["fail 0", "fail 1", "fail 2", "after"]  # every one ran, none skipped
    assert not broker_breaker.is_open and broker_breaker.failures == 0


def test_the_in_process_schedule_sends_an_issue_a_batch_per_tick(
    smtp, settings, time_machine, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BATCH_SIZE = 3
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start, tick=False)
    call_command("setup_schedules", stdout=io.StringIO())
    newsletter = Newsletter.objects.create(name="Harbour", slug="harbour")
    for i in range(7):
        member = Member.objects.create(email=f"r{i}@example.org", status=Member.Status.ACTIVE)
        Subscription.objects.create(member=member, newsletter=newsletter)
    last_run: dict = {}
    run_due(last_run)  # first sight: each task counts from now

    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(newsletter=newsletter, title="Ferry")  # the editor's click
    assert smtp.messages == []  # the request only listed the recipients
    assert Issue.objects.get().deliveries.count() == 7

    sent_after = []
    for minute in range(1, 5):
        time_machine.move_to(start + timedelta(minutes=minute, seconds=1), tick=False)
        run_due(last_run)
        sent_after.append(len(smtp.messages))

    assert sent_after == [3, 6, 7, 7]
    assert max(smtp.rcpt_counts().values()) == 1
    assert Issue.objects.get().status == Issue.Status.SENT
