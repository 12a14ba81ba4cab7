"""Delivery tasks: thin wrappers around `webhooks.services` (one attempt per run).

`deliver` may run twice for the same delivery (a redelivered message, the reconciler's
copy): the row's claim makes the second a no-op. `reconcile_deliveries` (beat, every
30 s) sends what is due and has no message in the broker.
"""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver(delivery_id: int) -> str:
    """Try a pending, due delivery once; queue its retry if one is due soon."""
    return services.deliver_due(delivery_id=delivery_id)


@shared_task
def reconcile_deliveries() -> int:
    """Send the deliveries whose retry is due or whose message was lost."""
    return len(services.deliveries_reconcile())
