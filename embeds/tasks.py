"""Fetching embeds in the worker: thin wrappers around `embeds.services`.

`fetch_embeds` may run twice for the same embed (a redelivered message, the
reconciler's copy): the row's claim makes the second a no-op. `reconcile_embeds` (beat,
every minute) sends again what is still owed well after the save: its message was lost.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import RETRY_OPTIONS, TRANSIENT_ERRORS, WORKER_RETRY_POLICY

from . import services

logger = logging.getLogger(__name__)
RECONCILE_BATCH = 200


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, **RETRY_OPTIONS)
def fetch_embeds(embed_ids: list[int]) -> int:
    """Fetch each embed not fetched yet (a second run is a no-op); returns how many."""
    return sum(services.embed_fetch(embed_id=pk) is not None for pk in embed_ids)


@shared_task
def reconcile_embeds() -> int:
    """Send the fetch again for embeds still owed (`services.embeds_owed`)."""
    ids = list(services.embeds_owed().order_by("pk").values_list("pk", flat=True)[:RECONCILE_BATCH])
    if ids:
        fetch_embeds.apply_async((ids,), retry_policy=WORKER_RETRY_POLICY)
        logger.info("reconciler: queued %d embed(s) to fetch: %s", len(ids), ids)
    return len(ids)
