"""Queue post events for the endpoints that want them; make one delivery attempt.

`dispatch` creates one `Delivery` per interested endpoint and enqueues `tasks.deliver`
after the commit; `attempt` sends it once (signed, no redirects, bounded time) and
records the outcome. Retries with exponential backoff, and disabling an endpoint after
`WEBHOOKS_DISABLE_AFTER` failed attempts in a row, are decided here; the task only
schedules the next try.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rest_framework.utils.encoders import JSONEncoder

from blog.tasks import enqueue_on_commit

from .models import Delivery, Endpoint
from .signing import HEADER, sign
from .ssrf import BlockedAddress, check_url

USER_AGENT = "Broadsheet-Webhooks/1"


def dispatch(*, event: str, data: dict) -> list[Delivery]:
    """A delivery of `event` for every active endpoint that subscribes to it."""
    deliveries = []
    for endpoint in Endpoint.objects.filter(is_active=True):
        if endpoint.wants(event):
            delivery = Delivery.objects.create(endpoint=endpoint, event=event, payload={})
            delivery.payload = {
                "id": delivery.pk,
                "event": event,
                "created_at": delivery.created_at,
                "data": data,
            }
            # DRF's encoder: times with microseconds, as the API writes them.
            delivery.payload = json.loads(json.dumps(delivery.payload, cls=JSONEncoder))
            delivery.save(update_fields=["payload"])
            from .tasks import deliver  # tasks import this module

            enqueue_on_commit(deliver, delivery.pk)
            deliveries.append(delivery)
    return deliveries


def backoff_seconds(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, at most 1 h."""
    return min(settings.WEBHOOKS_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is a failed attempt, never a request somewhere else


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    # check_url allowed only http and https: no file: or custom schemes reach here.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(2000).decode(errors="replace"), ""
    except urllib.error.HTTPError as error:
        return error.code, error.read(2000).decode(errors="replace"), ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, "", str(error)[:500]


def attempt(delivery: Delivery) -> bool:
    """Send `delivery` once; True when it needs no further try (done, given up, blocked)."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status = Delivery.Status.SKIPPED
        delivery.save(update_fields=["status"])
        return True
    try:
        check_url(endpoint.url)
    except BlockedAddress as error:
        delivery.status, delivery.last_error = Delivery.Status.BLOCKED, str(error)
        delivery.save(update_fields=["status", "last_error"])
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
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    delivery.last_status_code, delivery.last_response, delivery.last_error = code, text, error
    succeeded = code is not None and 200 <= code < 300
    if succeeded:
        delivery.status = Delivery.Status.SUCCEEDED
        Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
    else:
        _count_failure(endpoint)
        if delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
    delivery.save()
    return succeeded or delivery.status == Delivery.Status.FAILED


def _count_failure(endpoint: Endpoint) -> None:
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    Endpoint.objects.filter(
        pk=endpoint.pk,
        is_active=True,
        consecutive_failures__gte=settings.WEBHOOKS_DISABLE_AFTER,
    ).update(is_active=False, disabled_at=timezone.now())
