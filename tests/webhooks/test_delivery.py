"""Webhook deliveries through a real broker and worker to a receiver on loopback."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from blog.services import post_delete
from tests.factories import EditorFactory, PostFactory
from tests.jobs.conftest import wait_for
from webhooks.models import Delivery, Endpoint
from webhooks.signing import HEADER, sign, verify

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor_api(api_as):
    return api_as(EditorFactory(username="hook-editor"))


def register(client, url: str, **fields) -> dict:
    response = client.post("/api/webhooks/", {"url": url, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_publishing_sends_a_signed_delivery(editor_api, receiver, broker, webhook_worker, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = register(editor_api, receiver.url, events=["post.published"])
    response = editor_api.post(
        "/api/posts/", {"title": "Hooked", "body": "b", "status": "published"}, format="json"
    )
    assert response.status_code == 201
    wait_for(lambda: receiver.requests, what="a delivery at the receiver")
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    assert verify(endpoint["secret"], body, headers[HEADER])
    assert not verify("whsec_wrong", body, headers[HEADER])
    payload = json.loads(body)
    assert payload["event"] == "post.published" == headers["Broadsheet-Event"]
    assert payload["data"]["post"]["id"] == response.json()["id"]
    delivery = wait_for(
        lambda: Delivery.objects.filter(status="succeeded").first(), what="the delivery log"
    )
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    log = editor_api.get(f"/api/webhooks/{endpoint['id']}/deliveries/").json()["results"]
    assert [(row["event"], row["status"], row["attempts"]) for row in log] == [
        ("post.published", "succeeded", 1)
    ]


def test_a_500_is_retried_with_backoff(
    editor_api, receiver, broker, webhook_worker, settings, capsys
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = register(editor_api, receiver.url)
    post = PostFactory(announced_at=timezone.now())  # live and announced: no sweep event
    receiver.script = [500]
    response = editor_api.patch(f"/api/posts/{post.pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == 200
    delivery = wait_for(
        lambda: Delivery.objects.filter(status="succeeded").first(), what="a retried delivery"
    )
    assert (delivery.event, delivery.attempts, delivery.last_status_code) == (
        "post.updated", 2, 200,
    )  # fmt: skip
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert Endpoint.objects.get().consecutive_failures == 0
    [row] = editor_api.get(f"/api/webhooks/{endpoint['id']}/deliveries/").json()["results"]
    shown = {key: row[key] for key in ("event", "status", "attempts", "last_status_code")}
    assert shown == {
        "event": "post.updated", "status": "succeeded", "attempts": 2, "last_status_code": 200
    }  # fmt: skip
    with capsys.disabled():  # the delivery log as an editor reads it
        print(f"\ndelivery log row: {shown | {'last_response': row['last_response']}}")


def test_an_endpoint_that_keeps_failing_is_disabled(
    editor_api, receiver, broker, webhook_worker, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = register(editor_api, receiver.url)
    receiver.script = [500] * 10
    post = PostFactory(announced_at=timezone.now())  # live and announced: no sweep event
    post_delete(post=post)
    wait_for(
        lambda: Delivery.objects.filter(status="failed").exists(),
        timeout=60,
        what=f"given up: {list(Delivery.objects.values('status', 'attempts', 'event'))}",
    )
    assert len(receiver.requests) == 3  # WEBHOOKS_MAX_ATTEMPTS in the worker
    disabled = Endpoint.objects.get()
    assert not disabled.is_active and disabled.disabled_at is not None
    post_delete(post=PostFactory(announced_at=timezone.now()))  # recorded, held, not sent
    assert list(Delivery.objects.order_by("pk").values_list("status", flat=True)) == [
        "failed", "held",
    ]  # fmt: skip
    assert len(receiver.requests) == 3
    shown = editor_api.get(f"/api/webhooks/{endpoint['id']}/").json()
    assert shown["is_active"] is False and shown["consecutive_failures"] == 3


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://169.254.169.254/", "http://10.0.0.5/"]
)
def test_private_addresses_are_refused_unless_allowed(editor_api, url):
    response = editor_api.post("/api/webhooks/", {"url": url}, format="json")
    assert response.status_code == 403  # well formed, refused by policy
    assert response.json()["code"] == "blocked_address"


def test_a_delivery_to_a_private_address_is_blocked(editor_api, receiver, settings):
    """Registered while allowed, delivered after the setting was turned off: blocked."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    register(editor_api, receiver.url)
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    post_delete(post=PostFactory())  # published, then deleted; tasks run in-process here (eager)
    deliveries = list(Delivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == ["post.published", "post.deleted"]
    assert all(d.status == "blocked" and "non-public" in d.last_error for d in deliveries)
    assert receiver.requests == []


def test_only_editors_manage_webhooks(api_as, author, api):
    assert api.get("/api/webhooks/").status_code == 401
    assert api_as(author).get("/api/webhooks/").status_code == 403


def test_the_signature_is_hmac_sha256_of_timestamp_and_body():
    import hashlib
    import hmac

    body = b'{"event":"post.published"}'
    header = sign("whsec_test", body, timestamp=1_700_000_000)
    digest = hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={digest}"
    assert not verify("whsec_test", body, header)  # far too old: a replay
