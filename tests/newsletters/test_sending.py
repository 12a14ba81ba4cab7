"""A post's newsletter goes when the post goes public, to each member at most once,
through a real SMTP server (the `smtp` fixture); retries, permanent failures, the digest.

In-process (tasks eager), on PostgreSQL and SQLite alike; a real worker killed mid-send
is in test_at_most_once.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from blog.models import Post
from blog.services import post_publish, post_unpublish, post_update
from blog.tasks import publish_sweep
from members.models import Member
from newsletters import sending, tasks
from newsletters.digest import digest_create, digests_due, week_just_ended, week_posts
from newsletters.events import newsletter_sent
from newsletters.models import Delivery, Issue, Newsletter, Subscription
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def make_newsletter(**fields) -> Newsletter:
    fields.setdefault("slug", f"news-{Newsletter.objects.count()}")
    return Newsletter.objects.create(name=fields.pop("name", "The Weekly Paper"), **fields)


def subscribe(newsletter: Newsletter, count: int, prefix: str = "reader", **member) -> list:
    member.setdefault("status", Member.Status.ACTIVE)
    members = [
        Member.objects.create(email=f"{prefix}{i}@example.org", **member) for i in range(count)
    ]
    Subscription.objects.bulk_create(
        [Subscription(member=m, newsletter=newsletter) for m in members]
    )
    return members


@pytest.fixture
def newsletter():
    return make_newsletter()


@pytest.fixture
def sent_signals():
    seen = []

    def receiver(sender, issue, **kwargs):
        seen.append(issue.pk)

    newsletter_sent.connect(receiver)
    yield seen
    newsletter_sent.disconnect(receiver)


def reconcile(django_capture_on_commit_callbacks) -> None:
    """The beat task, and the sends it queues after its commit."""
    with django_capture_on_commit_callbacks(execute=True):
        tasks.reconcile_issues()


def publish(django_capture_on_commit_callbacks, **fields) -> Post:
    """A post written as an editor would: its events, then what runs after the commit;
    then the in-process schedule's reconciler (tasks in-process: the request itself
    sends nothing) until nothing is left to send."""
    with django_capture_on_commit_callbacks(execute=True):
        post = PostFactory(**fields)
    for _ in range(10):
        reconcile(django_capture_on_commit_callbacks)
    return post


def test_a_post_going_public_is_emailed_once_to_each_member_who_takes_mail(
    smtp, newsletter, django_capture_on_commit_callbacks, sent_signals
):
    subscribe(newsletter, 3)
    subscribe(newsletter, 1, prefix="unconfirmed", status=Member.Status.PENDING)
    subscribe(newsletter, 1, prefix="bounced", email_disabled_at=timezone.now())
    Member.objects.create(email="elsewhere@example.org", status=Member.Status.ACTIVE)
    other = make_newsletter(name="Other")
    subscribe(other, 1, prefix="other")

    post = publish(django_capture_on_commit_callbacks, newsletter=newsletter, title="Tides")

    assert smtp.rcpt_counts() == {f"reader{i}@example.org": 1 for i in range(3)}
    assert {m["Subject"] for m in smtp.messages} == {"Tides"}
    issue = Issue.objects.get(post=post)
    assert issue.status == Issue.Status.SENT and issue.finished_at is not None
    assert sent_signals == [issue.pk]
    assert set(issue.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}
    assert all(d.message_id.startswith("<") for d in issue.deliveries.all())


def test_republishing_editing_or_choosing_another_newsletter_sends_nothing_more(
    smtp, newsletter, django_capture_on_commit_callbacks
):
    subscribe(newsletter, 2)
    second = make_newsletter(name="Second")
    subscribe(second, 2, prefix="second")
    post = publish(django_capture_on_commit_callbacks, newsletter=newsletter)
    assert len(smtp.messages) == 2

    with django_capture_on_commit_callbacks(execute=True):
        post = post_unpublish(post=post, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_update(post=post, data={"newsletter": second, "title": "Edited"}, user=None)
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(post=post, user=None)

    assert Post.objects.public().filter(pk=post.pk).exists()
    assert len(smtp.messages) == 2
    assert Issue.objects.count() == 1


def test_drafts_pages_archived_and_weekly_newsletters_send_nothing(
    smtp, newsletter, django_capture_on_commit_callbacks
):
    subscribe(newsletter, 1)
    archived = make_newsletter(name="Archived", active=False)
    subscribe(archived, 1, prefix="archived")
    weekly = make_newsletter(name="Weekly", cadence=Newsletter.Cadence.WEEKLY)
    subscribe(weekly, 1, prefix="weekly")

    publish(django_capture_on_commit_callbacks, newsletter=newsletter, draft=True)
    publish(django_capture_on_commit_callbacks, newsletter=archived)
    publish(django_capture_on_commit_callbacks, newsletter=weekly)
    publish(django_capture_on_commit_callbacks)  # no newsletter chosen

    assert smtp.messages == []
    assert not Issue.objects.exists()


def test_a_post_public_by_the_clock_while_beat_was_down_is_emailed_when_the_sweep_runs(
    smtp, newsletter, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(START, tick=False)
    subscribe(newsletter, 2)
    post = publish(
        django_capture_on_commit_callbacks,
        newsletter=newsletter,
        published_at=START + timedelta(hours=1),
    )
    assert smtp.messages == []  # scheduled: nothing yet

    time_machine.move_to(START + timedelta(hours=5), tick=False)  # beat was away 4 hours
    assert smtp.messages == []  # public, but nothing runs until the sweep
    with django_capture_on_commit_callbacks(execute=True):
        publish_sweep.delay()
    reconcile(django_capture_on_commit_callbacks)  # in-process: the schedule sends
    assert smtp.rcpt_counts() == {"reader0@example.org": 1, "reader1@example.org": 1}
    with django_capture_on_commit_callbacks(execute=True):
        publish_sweep.delay()  # again: nothing to announce, nothing sent
    assert len(smtp.messages) == 2
    assert Issue.objects.get().post == post


def test_a_task_run_twice_for_the_same_issue_sends_nothing_twice(smtp, newsletter, settings):
    settings.NEWSLETTER_BATCH_SIZE = 2
    subscribe(newsletter, 5)
    post = PostFactory()  # no newsletter: the issue is made by hand below
    issue = Issue.objects.create(newsletter=newsletter, post=post, subject="Twice")

    tasks.send_issue(issue.pk)
    tasks.send_issue(issue.pk)  # the broker handed the message out again
    sending.send_batch(issue.pk)

    assert max(smtp.rcpt_counts().values()) == 1
    assert len(smtp.messages) == 5


def test_recipients_are_listed_in_chunks_and_listing_again_adds_no_one(newsletter, monkeypatch):
    monkeypatch.setattr(sending, "LIST_CHUNK", 3)
    subscribe(newsletter, 10)
    issue = Issue.objects.create(newsletter=newsletter, subject="Chunks")

    assert sending.list_recipients(issue) == 10
    assert sending.list_recipients(issue) == 10
    assert issue.deliveries.count() == 10
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING


def test_a_450_is_retried_with_backoff_and_delivered_once_the_server_accepts(
    smtp, newsletter, settings, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    settings.BROADSHEET_RECONCILE_AFTER_SECONDS = 0
    subscribe(newsletter, 3)
    smtp.refuse["reader1@example.org"] = 450
    issue = Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="Later")

    tasks.send_issue(issue.pk)
    delivery = Delivery.objects.get(email="reader1@example.org")
    assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at == START + timedelta(seconds=60)
    assert "450" in delivery.error
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENDING

    time_machine.move_to(START + timedelta(seconds=30), tick=False)
    reconcile(django_capture_on_commit_callbacks)  # not due yet: nothing sent
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1

    time_machine.move_to(START + timedelta(seconds=61), tick=False)
    reconcile(django_capture_on_commit_callbacks)  # due, still refused: the wait doubles
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at == START + timedelta(seconds=61 + 120)

    smtp.refuse.clear()
    time_machine.move_to(START + timedelta(seconds=200), tick=False)
    reconcile(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert smtp.rcpt_counts() == {f"reader{i}@example.org": 1 for i in range(3)}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_a_550_is_a_permanent_failure_recorded_with_the_servers_answer(
    smtp, newsletter, sent_signals
):
    subscribe(newsletter, 2)
    smtp.refuse["reader0@example.org"] = 550
    issue = Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="Nobody home")

    tasks.send_issue(issue.pk)

    failed = Delivery.objects.get(email="reader0@example.org")
    assert failed.status == Delivery.Status.FAILED and failed.attempts == 1
    assert "550" in failed.error and "No such user" in failed.error
    assert smtp.rcpt_counts() == {"reader1@example.org": 1}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert sent_signals == [issue.pk]


def test_a_server_that_is_down_costs_no_attempt_and_the_reconciler_sends_later(
    smtp, newsletter, settings, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    settings.BROADSHEET_RECONCILE_AFTER_SECONDS = 0
    subscribe(newsletter, 2)
    issue = Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="Down")
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 1  # nothing listens there

    tasks.send_issue(issue.pk)
    assert smtp.messages == []
    assert set(Delivery.objects.values_list("status", "attempts", "claimed_at")) == {
        (Delivery.Status.PENDING, 0, None)
    }

    settings.EMAIL_PORT = port
    time_machine.move_to(START + timedelta(seconds=61), tick=False)
    reconcile(django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 2


def test_the_reconciler_marks_a_dead_workers_claim_uncertain_and_never_sends_it(
    smtp, newsletter, settings, time_machine, sent_signals, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    settings.BROADSHEET_RECONCILE_AFTER_SECONDS = 0
    subscribe(newsletter, 4)
    issue = Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="Killed")
    sending.list_recipients(issue)
    # A worker reserved two, claimed one of them and died before recording its outcome.
    first, second, *_ = issue.deliveries.order_by("pk")
    Delivery.objects.filter(pk__in=[first.pk, second.pk]).update(claimed_at=timezone.now())
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENDING)

    time_machine.move_to(START + timedelta(seconds=60), tick=False)
    reconcile(
        django_capture_on_commit_callbacks
    )  # within the lease: a live worker may still be at it
    assert smtp.messages == [] or first.email not in smtp.rcpt_counts()
    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.SENDING

    time_machine.move_to(START + timedelta(seconds=301), tick=False)
    reconcile(django_capture_on_commit_callbacks)
    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.UNCERTAIN
    assert first.email not in smtp.rcpt_counts()
    assert smtp.rcpt_counts() == {f"reader{i}@example.org": 1 for i in range(1, 4)}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    assert sent_signals == [issue.pk]
    reconcile(django_capture_on_commit_callbacks)
    assert sent_signals == [issue.pk]  # finished once


def test_issue_counts_are_one_query(newsletter, django_assert_num_queries):
    subscribe(newsletter, 6)
    issue = Issue.objects.create(newsletter=newsletter, subject="Counts")
    sending.list_recipients(issue)
    rows = list(issue.deliveries.order_by("pk"))
    for row, status in zip(rows, ["sent", "sent", "failed", "uncertain", "bounced"], strict=False):
        Delivery.objects.filter(pk=row.pk).update(status=status)
    Delivery.objects.filter(pk=rows[0].pk).update(opened_at=timezone.now())

    with django_assert_num_queries(1):
        counted = sending.issue_counts(Issue.objects.filter(pk=issue.pk)).get()
    assert (counted.recipients, counted.sent_count, counted.failed_count) == (6, 3, 1)
    assert (counted.pending_count, counted.uncertain_count, counted.bounced_count) == (1, 1, 1)
    assert counted.opened_count == 1


def test_the_weekly_digest_lists_the_week_just_ended_once(
    smtp, django_capture_on_commit_callbacks, time_machine, settings
):
    time_machine.move_to(START - timedelta(days=7), tick=False)
    weekly = make_newsletter(name="Weekly", cadence=Newsletter.Cadence.WEEKLY)
    subscribe(weekly, 2)
    in_week = [
        PostFactory(published_at=START - timedelta(days=d), title=f"Day {d}") for d in (6, 2)
    ]
    PostFactory(published_at=START - timedelta(days=8))  # the week before
    PostFactory(draft=True)

    time_machine.move_to(START + timedelta(hours=-1), tick=False)  # Monday 08:00
    assert week_just_ended() == date(2026, 2, 23)
    assert list(week_posts(date(2026, 2, 23))) == in_week

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == 0  # a second run: the week has its issue
    issue = Issue.objects.get()
    assert issue.post is None and issue.week == date(2026, 2, 23)
    assert smtp.rcpt_counts() == {"reader0@example.org": 1, "reader1@example.org": 1}

    assert digest_create(date(2026, 1, 5)) == []  # a week with no post: no issue


def test_beat_runs_the_reconciler_every_minute_and_the_digest_on_mondays_at_eight():
    call_command("setup_schedules", stdout=StringIO())
    reconciler = PeriodicTask.objects.get(task="newsletters.tasks.reconcile_issues")
    assert reconciler.interval.every == 60
    digest = PeriodicTask.objects.get(task="newsletters.tasks.send_weekly_digests").crontab
    assert (digest.day_of_week, digest.hour, digest.minute) == ("1", "8", "0")


def test_without_a_worker_the_click_sends_nothing_and_the_schedule_a_batch_per_tick(
    smtp, newsletter, settings, django_capture_on_commit_callbacks
):
    """`make run`: the publishing request only lists the recipients; the in-process
    schedule's reconciler sends one batch per tick."""
    settings.NEWSLETTER_BATCH_SIZE = 2
    subscribe(newsletter, 5)
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(newsletter=newsletter)
    assert smtp.messages == []
    assert Issue.objects.get().deliveries.filter(status=Delivery.Status.PENDING).count() == 5

    reconcile(django_capture_on_commit_callbacks)  # the in-process schedule, a tick
    assert len(smtp.messages) == 2
    reconcile(django_capture_on_commit_callbacks)
    assert len(smtp.messages) == 4
    reconcile(django_capture_on_commit_callbacks)
    assert smtp.rcpt_counts() == {f"reader{i}@example.org": 1 for i in range(5)}
    assert Issue.objects.get().status == Issue.Status.SENT


def test_in_process_one_thread_sends_at_a_time(smtp, newsletter, settings):
    """While one thread of the process sends (the schedule's), another run sends
    nothing: SQLite has no SKIP LOCKED, so the process-wide lock is what keeps two
    in-process senders apart."""
    settings.NEWSLETTER_BATCH_SIZE = 2
    subscribe(newsletter, 3)
    issue = Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="One")
    with tasks._in_process_sender:  # the schedule's thread is sending
        assert "another thread" in tasks.send_issue(issue.pk)
        assert "another thread" in tasks.reconcile_issues()
    assert smtp.messages == []
    tasks.send_issue(issue.pk)
    assert len(smtp.messages) == 2


def test_a_digest_missed_while_beat_was_down_is_made_on_the_next_monday(
    smtp, django_capture_on_commit_callbacks, time_machine
):
    weekly = make_newsletter(name="Weekly", cadence=Newsletter.Cadence.WEEKLY)
    subscribe(weekly, 1)
    time_machine.move_to(START - timedelta(days=21), tick=False)
    PostFactory(published_at=START - timedelta(days=20), title="Three weeks ago")
    time_machine.move_to(START - timedelta(days=14), tick=False)  # a Monday: sent
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == 1
    PostFactory(published_at=START - timedelta(days=13), title="Two weeks ago")
    PostFactory(published_at=START - timedelta(days=6), title="Last week")

    # Beat was down the Monday a week ago: today's run makes both weeks', oldest first.
    time_machine.move_to(START, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == 2
    assert list(Issue.objects.order_by("week").values_list("week", flat=True)) == [
        date(2026, 2, 9),
        date(2026, 2, 16),
        date(2026, 2, 23),
    ]
    assert smtp.rcpt_counts() == {"reader0@example.org": 3}


def test_the_digest_catches_up_at_most_four_weeks(time_machine):
    weekly = make_newsletter(name="Weekly", cadence=Newsletter.Cadence.WEEKLY)
    for weeks in range(1, 12):
        PostFactory(published_at=START - timedelta(weeks=weeks, days=-1))
    Issue.objects.create(newsletter=weekly, week=date(2025, 12, 1), subject="Long ago")
    time_machine.move_to(START, tick=False)

    made = digests_due()

    assert [issue.week for issue in made] == [
        date(2026, 2, 2),
        date(2026, 2, 9),
        date(2026, 2, 16),
        date(2026, 2, 23),
    ]
