"""Each member gets a post at most once across worker kills and redelivered messages: a
real Celery worker sends to the real SMTP server (the `smtp` fixture) and is SIGKILLed in
the middle of the send, twice; the reconciler then marks what the dead worker had claimed
as uncertain and sends the rest.
"""

from __future__ import annotations

import pytest

from devservers import wait_for
from members.models import Member
from newsletters import tasks
from newsletters.models import Delivery, Issue, Newsletter, Subscription
from tests.factories import PostFactory
from tests.jobs.conftest import fresh_broker, start_worker  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

MEMBERS = 300


def counts(issue: Issue) -> dict[str, int]:
    statuses = list(issue.deliveries.values_list("status", flat=True))
    return {status: statuses.count(status) for status in Delivery.Status.values}


def test_a_worker_killed_twice_mid_send_sends_no_member_the_post_twice(
    smtp,
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
    settings,
):
    newsletter = Newsletter.objects.create(name="Daily", slug="daily")
    members = Member.objects.bulk_create(
        Member(email=f"m{i}@example.org", status=Member.Status.ACTIVE) for i in range(MEMBERS)
    )
    Subscription.objects.bulk_create(Subscription(member=m, newsletter=newsletter) for m in members)
    env = {
        **smtp.worker_env(),
        "NEWSLETTER_SEND_RATE": "150",  # about 2 s of sending: time to kill it mid-send
        "NEWSLETTER_BATCH_SIZE": "20",
    }

    post = PostFactory(newsletter=newsletter)  # public now: its announcement waits in Redis
    worker = start_worker(fresh_broker, **env)
    wait_for(lambda: len(smtp.messages) >= 60, 30, "the send to be under way")
    worker.kill()
    first_kill = len(smtp.messages)
    assert first_kill < MEMBERS

    # The reconciler, with the dead worker's lease over (nothing else is running).
    settings.NEWSLETTER_CLAIM_LEASE_SECONDS = 0
    settings.BROADSHEET_RECONCILE_AFTER_SECONDS = 0
    tasks.reconcile_issues()
    worker = start_worker(fresh_broker, **env)
    wait_for(lambda: len(smtp.messages) >= first_kill + 60, 30, "the send to resume")
    worker.kill()
    assert len(smtp.messages) < MEMBERS

    tasks.reconcile_issues()
    worker = start_worker(fresh_broker, **env)
    issue = Issue.objects.get(post=post)
    wait_for(lambda: Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT, 60, "the issue")

    received = smtp.rcpt_counts()
    assert max(received.values()) == 1  # no one got it twice
    done = counts(issue)
    assert done["pending"] == done["sending"] == 0
    assert done["sent"] + done["uncertain"] + done["failed"] == MEMBERS
    # At most the one message in flight per sending process per kill: two kills of a
    # worker whose two pool processes both send (NEWSLETTER_SENDERS = 2).
    assert done["uncertain"] <= 4
    sent = set(issue.deliveries.filter(status="sent").values_list("email", flat=True))
    assert sent <= set(received)  # every delivery recorded sent reached the server
    assert len(received) <= len(sent) + done["uncertain"]

    # The broker hands the message out again, twice: nothing more is sent.
    before = len(smtp.messages)
    mark = worker.mark()
    again = [tasks.send_issue.delay(issue.pk).id for _ in range(2)]
    wait_for(
        lambda: all(worker.count(rf"send_issue\[{task_id}\] succeeded", mark) for task_id in again),
        20,
        "both copies to run",
    )
    assert len(smtp.messages) == before
