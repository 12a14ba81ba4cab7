"""Queue post events for the endpoints that want them; send each delivery exactly once.

The `Delivery` row, not a broker message, is the record of owed work:

- `dispatch` records one delivery per subscribing endpoint and sends `tasks.deliver`
  after the commit (a disabled endpoint's delivery is recorded as held instead);
- `deliver_due` (the task) claims the row with a conditional UPDATE (`claimed_until`),
  so a second copy of the message, or a redelivery after the visibility timeout, finds
  it claimed or not yet due and does nothing; it makes one attempt and records when the
  next one is due (`next_attempt_at`, exponential backoff);
- a wait up to `WEBHOOKS_MAX_COUNTDOWN_SECONDS` goes to the broker as a countdown; a
  longer one is never left in the broker (a message waiting there past the visibility
  timeout is handed out twice): `deliveries_reconcile`, run by beat, sends it when due,
  and also resends anything whose message was lost (broker down, flushed, a task that
  died) once it is `BROADSHEET_RECONCILE_AFTER_SECONDS` overdue.

An endpoint is disabled when it has failed `WEBHOOKS_DISABLE_AFTER` attempts in a row
over at least `WEBHOOKS_DISABLE_WINDOW_SECONDS` without a success (a burst of errors is
not enough); its pending deliveries are then held, not dropped, and
`endpoint_enable` re-sends them.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from core.tasks import TRANSIENT_ERRORS, WORKER_RETRY_POLICY, enqueue_on_commit

from . import transport
from .models import Delivery, Endpoint
from .signing import HEADER, sign
from .ssrf import BlockedAddress, check_url

logger = logging.getLogger(__name__)

USER_AGENT = "Broadsheet-Webhooks/1"
# A countdown message may run this early by the worker's clock and still find its row due.
EARLY = timedelta(seconds=1)
RECONCILE_BATCH = 500


def dispatch(*, event: str, data: dict) -> list[Delivery]:
    """A delivery of `event` for every endpoint that subscribes to it.

    Active endpoints get theirs sent after the commit; a disabled endpoint's is recorded
    as held, so nothing is lost while it is off (`endpoint_enable` re-sends them).
    """
    deliveries = []
    for endpoint in Endpoint.objects.all():
        if not endpoint.subscribes(event):
            continue
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event=event,
            payload={},
            status=Delivery.Status.PENDING if endpoint.is_active else Delivery.Status.HELD,
            queued_at=timezone.now() if endpoint.is_active else None,
        )
        delivery.payload = {
            "id": delivery.pk,
            "event": event,
            "created_at": delivery.created_at,
            "data": data,
        }
        # DRF's encoder: times with microseconds, as the API writes them.
        delivery.payload = json.loads(json.dumps(delivery.payload, cls=JSONEncoder))
        delivery.save(update_fields=["payload"])
        if endpoint.is_active:
            enqueue_on_commit(_deliver_task(), delivery.pk)
        deliveries.append(delivery)
    return deliveries


def _deliver_task():
    from .tasks import deliver  # the task module imports this one

    return deliver


def backoff_seconds(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, at most 1 h."""
    return min(settings.WEBHOOKS_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600)


def claim_seconds() -> int:
    """How long a claimed attempt keeps others off: past the worker's hard time limit,
    after which the attempt is surely dead and the delivery may be tried again."""
    return settings.CELERY_TASK_TIME_LIMIT + 20


def delivery_claim(*, delivery_id: int) -> Delivery | None:
    """Mark a due, pending, unclaimed delivery as in flight; None if it is not ours to send.

    One conditional UPDATE: of two copies of a message, exactly one gets the row.
    """
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now + EARLY
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + timedelta(seconds=claim_seconds()))
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=delivery_id)


def deliver_due(*, delivery_id: int) -> str:
    """Claim delivery `delivery_id`, try it once, and queue the retry if one is due soon."""
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return "nothing to do"
    if not attempt(delivery):
        _queue_retry(delivery)
    return delivery.status


def _queue_retry(delivery: Delivery) -> None:
    """A short wait goes to the broker; a long one waits for `deliveries_reconcile`."""
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    if wait > settings.WEBHOOKS_MAX_COUNTDOWN_SECONDS:
        return  # queued_at stays empty: the reconciler sends it when due
    Delivery.objects.filter(pk=delivery.pk).update(queued_at=delivery.next_attempt_at)
    try:
        _deliver_task().apply_async(
            (delivery.pk,), countdown=max(wait, 0), retry_policy=WORKER_RETRY_POLICY
        )
    except TRANSIENT_ERRORS:  # the broker is away: the reconciler sends it when due
        logger.warning("could not queue the retry of delivery %s", delivery.pk, exc_info=True)
        Delivery.objects.filter(pk=delivery.pk).update(queued_at=None)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    # webhooks/transport.py: to the vetted address only, within one deadline; any
    # transport failure is an error string (a failed attempt), never an exception.
    try:
        reply = transport.post(url, body, headers, deadline=settings.WEBHOOKS_TIMEOUT_SECONDS)
    except BlockedAddress as error:
        return None, "", str(error)[:500]
    return reply.status, reply.text, reply.error


def attempt(delivery: Delivery) -> bool:
    """Send a claimed `delivery` once; True when it needs no further try.

    Records the outcome and releases the claim. After a failure with tries left,
    `next_attempt_at` says when the next one is due.
    """
    endpoint = delivery.endpoint
    delivery.claimed_until = None
    if not endpoint.is_active:
        delivery.status = Delivery.Status.HELD
        delivery.save(update_fields=["status", "claimed_until"])
        return True
    try:
        check_url(endpoint.url)
    except BlockedAddress as error:
        delivery.status, delivery.last_error = Delivery.Status.BLOCKED, str(error)
        delivery.save(update_fields=["status", "last_error", "claimed_until"])
        return True
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Broadsheet-Event": delivery.event,
        "Broadsheet-Delivery": str(delivery.pk),
        HEADER: sign(endpoint.secret, body),
    }
    code, text, error = _post(endpoint.url, body, headers)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code, delivery.last_response, delivery.last_error = code, text, error
    succeeded = code is not None and 200 <= code < 300
    if succeeded:
        delivery.status = Delivery.Status.SUCCEEDED
        Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0, failing_since=None)
    else:
        _count_failure(endpoint, now)
        if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
            delivery.queued_at = None
    delivery.save()
    return delivery.status != Delivery.Status.PENDING


def _count_failure(endpoint: Endpoint, now: datetime) -> None:
    """Count a failed attempt; disable the endpoint once the failures span the window."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce("failing_since", Value(now, output_field=DateTimeField())),
    )
    window = timedelta(seconds=settings.WEBHOOKS_DISABLE_WINDOW_SECONDS)
    Endpoint.objects.filter(
        pk=endpoint.pk,
        is_active=True,
        consecutive_failures__gte=settings.WEBHOOKS_DISABLE_AFTER,
        failing_since__lte=now - window,
    ).update(is_active=False, disabled_at=now)


def deliveries_lost(now: datetime | None = None) -> QuerySet[Delivery]:
    """Pending deliveries that are due, not in flight, and have no message on its way.

    No message: a long wait (never queued), or one queued so long ago that it was lost
    (the broker was down or flushed, the task failed or its worker died).
    """
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.BROADSHEET_RECONCILE_AFTER_SECONDS)
    return (
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=lost_before))
    )


def deliveries_reconcile() -> list[int]:
    """Send a message for every delivery `deliveries_lost` finds; returns their ids.

    A message too many is harmless: the claim lets exactly one copy send.
    """
    now = timezone.now()
    ids = list(
        deliveries_lost(now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:RECONCILE_BATCH]
    )
    Delivery.objects.filter(pk__in=ids).update(queued_at=now)
    for pk in ids:
        _deliver_task().apply_async((pk,), retry_policy=WORKER_RETRY_POLICY)
    if ids:
        logger.info("reconciler: queued %d webhook delivery(ies): %s", len(ids), ids)
    return ids


def endpoint_enable(*, endpoint: Endpoint) -> int:
    """Enable `endpoint` again and re-send its held deliveries; returns how many.

    Each held delivery gets a fresh set of tries; they go out after the commit.
    """
    now = timezone.now()
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, consecutive_failures=0, failing_since=None, disabled_at=None
        )
        held = list(
            endpoint.deliveries.filter(status=Delivery.Status.HELD).values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=held).update(
            status=Delivery.Status.PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            claimed_until=None,
        )
        for pk in sorted(held):
            enqueue_on_commit(_deliver_task(), pk)
    endpoint.refresh_from_db()
    return len(held)
