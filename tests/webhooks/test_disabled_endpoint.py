"""A disabled endpoint's events are recorded (held) and re-sent by the admin action."""

from __future__ import annotations

import pytest
from django.utils import timezone

from blog.services import post_delete
from tests.factories import PostFactory
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_events_for_a_disabled_endpoint_are_held_and_resent_once_enabled(
    receiver, admin_client, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # tasks run in-process here (eager)
    endpoint = Endpoint.objects.create(
        url=receiver.url, is_active=False, disabled_at=timezone.now(), consecutive_failures=15
    )
    for _ in range(2):
        post_delete(post=PostFactory(announced_at=timezone.now()))
    assert list(Delivery.objects.values_list("status", flat=True)) == ["held", "held"]
    assert receiver.requests == []

    response = admin_client.post(
        "/admin/webhooks/endpoint/",
        {"action": "enable_and_resend", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    assert "re-sending 2 held delivery(ies)" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    assert endpoint.disabled_at is None
    assert sorted(Delivery.objects.values_list("status", "attempts")) == [
        ("succeeded", 1), ("succeeded", 1),
    ]  # fmt: skip
    assert sorted(r["headers"]["Broadsheet-Delivery"] for r in receiver.requests) == sorted(
        str(pk) for pk in Delivery.objects.values_list("pk", flat=True)
    )
