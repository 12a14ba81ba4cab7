"""Deliveries happen once per due attempt, whatever the broker does (issue 33).

Real worker processes on a broker of the test's own. The faults: a retry that waits in
the broker past the visibility timeout (the broker hands it out twice), a wait longer
than a broker countdown may be, and a burst of 500s from a receiver under traffic.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from django.utils import timezone

from blog.services import post_delete
from tests.factories import PostFactory
from tests.jobs.conftest import fresh_broker, start_worker, wait_for  # noqa: F401
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import reconcile_deliveries

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"WEBHOOKS_ALLOW_PRIVATE": "1", "WEBHOOKS_MAX_ATTEMPTS": "6"}


def delivered_ids(receiver) -> Counter:
    return Counter(json.loads(request["body"])["id"] for request in receiver.requests)


def deleted_live_post() -> None:
    """A post.deleted event (the post was live and announced: no sweep event)."""
    post_delete(post=PostFactory(announced_at=timezone.now()))


def test_a_retry_waiting_past_the_visibility_timeout_is_sent_once(
    receiver,
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
):
    """The broker hands the waiting retry out twice; the row's claim lets one copy send."""
    worker = start_worker(
        fresh_broker,
        concurrency=2,
        CELERY_VISIBILITY_TIMEOUT="2",
        BROADSHEET_TEST_RESTORE_INTERVAL="1",
        WEBHOOKS_BACKOFF_SECONDS="5",  # the retry waits 5 s in the broker: past 2 s
        **WORKER_ENV,
    )
    Endpoint.objects.create(url=receiver.url)
    receiver.script = [500]
    receiver.delay = 1.5  # slow: the copies of the retry overlap
    deleted_live_post()
    delivery = wait_for(
        lambda: Delivery.objects.filter(status="succeeded").first(), 30, "the retried delivery"
    )
    time.sleep(4)  # any late copy of the retry would arrive by now
    assert delivery.attempts == 2
    assert len(receiver.requests) == 2, [
        r["headers"]["Broadsheet-Delivery"] for r in receiver.requests
    ]
    # The broker did hand the retry out again, and that copy did nothing.
    assert worker.count(r"webhooks\.tasks\.deliver\[\S+\] succeeded in \S+ 'nothing to do'")
    print(f"\nduplicate copies of the retry that did nothing: {worker.count('nothing to do')}")


def test_a_long_wait_is_kept_in_the_database_and_sent_by_the_reconciler(
    receiver,
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
):
    start_worker(
        fresh_broker,
        WEBHOOKS_BACKOFF_SECONDS="1",
        WEBHOOKS_MAX_COUNTDOWN_SECONDS="0",  # every wait is "long" here
        BROADSHEET_RECONCILE_AFTER_SECONDS="60",
        **WORKER_ENV,
    )
    Endpoint.objects.create(url=receiver.url)
    receiver.script = [500]
    deleted_live_post()
    delivery = wait_for(
        lambda: Delivery.objects.filter(attempts=1, claimed_until=None).first(), 20, "a try"
    )
    assert (delivery.status, delivery.queued_at) == ("pending", None)  # no message waits
    time.sleep(2)
    assert len(receiver.requests) == 1  # nothing in the broker would send it
    reconcile_deliveries.delay()
    wait_for(lambda: Delivery.objects.filter(status="succeeded").exists(), 20, "the retry")
    reconcile_deliveries.delay()  # nothing more is owed
    time.sleep(2)
    assert len(receiver.requests) == 2


def test_a_burst_of_errors_does_not_disable_and_every_delivery_keeps_its_retries(
    receiver,
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
):
    """Eight failures in a few seconds, three deliveries: all delivered, endpoint active."""
    start_worker(
        fresh_broker,
        concurrency=2,
        WEBHOOKS_BACKOFF_SECONDS="0.3",
        WEBHOOKS_DISABLE_AFTER="3",
        WEBHOOKS_DISABLE_WINDOW_SECONDS="60",
        **WORKER_ENV,
    )
    Endpoint.objects.create(url=receiver.url)
    receiver.script = [500] * 8
    for _ in range(3):
        deleted_live_post()
    wait_for(
        lambda: Delivery.objects.filter(status="succeeded").count() == 3,
        40,
        f"three deliveries: {list(Delivery.objects.values('status', 'attempts'))}",
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.is_active and endpoint.disabled_at is None
    assert Counter(r.status for r in Delivery.objects.all()) == {"succeeded": 3}
    assert len(receiver.requests) == 8 + 3
