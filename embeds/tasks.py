"""Fetching embeds in the worker: a thin wrapper around `embeds.services`."""

from __future__ import annotations

from celery import shared_task

from core.tasks import RETRY_OPTIONS, TRANSIENT_ERRORS

from . import services


@shared_task(acks_late=True, autoretry_for=TRANSIENT_ERRORS, **RETRY_OPTIONS)
def fetch_embeds(embed_ids: list[int]) -> int:
    """Fetch each embed not fetched yet (a second run is a no-op); returns how many."""
    return sum(services.embed_fetch(embed_id=pk) is not None for pk in embed_ids)
