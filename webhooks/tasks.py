"""The delivery task: one attempt per run, the next one scheduled with backoff."""

from __future__ import annotations

from celery import shared_task

from . import services
from .models import Delivery


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver(self, delivery_id: int) -> str:
    """Try a pending delivery once; schedule a retry when it failed and tries remain."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "nothing to do"
    if services.attempt(delivery):
        return delivery.status
    raise self.retry(countdown=services.backoff_seconds(delivery.attempts))
