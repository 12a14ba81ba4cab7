"""member.created, member.deleted and newsletter.sent: what each delivery says, and that
a real endpoint receives them through the broker and a worker."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from members.importing import import_members
from members.models import Member
from newsletters.events import newsletter_sent
from newsletters.models import Delivery as NewsletterDelivery
from newsletters.models import Issue
from tests.factories import EditorFactory, PostFactory
from tests.jobs.conftest import wait_for
from webhooks.models import Delivery, Endpoint
from webhooks.signing import HEADER, verify

from .conftest import make_member


@pytest.fixture
def editor_api(api_as):
    return api_as(EditorFactory(username="hooks-editor"))


def logged() -> list[tuple[str, dict]]:
    return [(d.event, d.payload) for d in Delivery.objects.order_by("pk")]


def validates(payload: dict, component: str, schema: dict) -> None:
    jsonschema.validate(
        json.loads(json.dumps(payload)),
        {"$ref": f"#/components/schemas/{component}", "components": schema["components"]},
        cls=jsonschema.Draft202012Validator,
    )


@pytest.mark.django_db
def test_member_events_say_who_joined_and_only_the_id_of_who_left(editor_api, api, settings):
    Endpoint.objects.create(
        url="https://hooks.example.com/in", events=["member.created", "member.deleted"]
    )
    created = editor_api.post("/api/members/", {"email": "new@example.com"}, format="json")
    member_id = created.json()["id"]
    assert editor_api.delete(f"/api/members/{member_id}/").status_code == 204
    [(first, joined), (second, left)] = logged()
    assert (first, second) == ("member.created", "member.deleted")
    assert joined["data"]["member"] == {
        "id": member_id,
        "email": "new@example.com",
        "status": "active",
        "source": "api",
        "created_at": created.json()["created_at"],
    }
    assert left["data"] == {"member": {"id": member_id}}  # no address: it left with them
    schema = api.get("/api/schema/?format=json").json()
    for payload in (joined, left):
        validates(payload, "MemberPayload", schema)


@pytest.mark.django_db
def test_an_import_sends_one_member_created_each_and_asks_once_per_batch():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Endpoint.objects.create(url="https://hooks.example.com/in", events=["member.created"])
    data = "email\n" + "".join(f"r{n}@example.com\n" for n in range(30))
    with CaptureQueriesContext(connection) as queries:
        import_members(io.BytesIO(data.encode()), batch_size=10)
    asked = [q for q in queries if "webhooks_endpoint" in q["sql"] and "LIMIT 1" in q["sql"]]
    assert len(asked) == 3  # is anyone listening: once per batch of 10, not per member
    assert [event for event, _ in logged()] == ["member.created"] * 30
    Delivery.objects.all().delete()
    import_members(io.BytesIO(b"email\nx@example.com\n"), dry_run=True)
    assert not Delivery.objects.exists()  # a dry run sends nothing


@pytest.mark.django_db
def test_newsletter_sent_carries_the_issue_post_and_counts(api, weekly, settings):
    settings.SITE_URL = "https://news.example.com"
    Endpoint.objects.create(url="https://hooks.example.com/in")
    post = PostFactory(title="Hello")
    issue = Issue.objects.create(newsletter=weekly, post=post, subject="Hello", status="sent")
    for n, status in enumerate(["sent", "sent", "failed", "bounced"]):
        member = make_member(f"n{n}@example.com")
        NewsletterDelivery.objects.create(
            issue=issue, member=member, email=member.email, status=status
        )
    Delivery.objects.all().delete()  # the member.created of the setup
    newsletter_sent.send(sender=Issue, issue=issue)
    [(event, payload)] = logged()
    assert event == "newsletter.sent"
    data = payload["data"]
    assert data["issue"]["id"] == issue.pk and data["newsletter"]["slug"] == "weekly"
    assert data["post"] == {"id": post.pk, "url": f"https://news.example.com/posts/{post.slug}/"}
    assert data["counts"] == {
        "recipients": 4, "pending": 0, "sending": 0, "sent": 2, "failed": 1, "uncertain": 0,
        "bounced": 1, "cancelled": 0,
    }  # fmt: skip
    validates(payload, "NewsletterSentPayload", api.get("/api/schema/?format=json").json())


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_endpoint_receives_member_events(
    editor_api,
    receiver,
    broker,
    webhook_worker,
    settings,
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = editor_api.post(
        "/api/webhooks/",
        {"url": receiver.url, "events": ["member.created", "member.deleted"]},
        format="json",
    ).json()
    created = editor_api.post("/api/members/", {"email": "live@example.com"}, format="json")
    assert created.status_code == 201
    editor_api.delete(f"/api/members/{created.json()['id']}/")
    wait_for(lambda: len(receiver.requests) >= 2, what="two deliveries at the receiver")
    bodies = sorted((json.loads(r["body"]) for r in receiver.requests), key=lambda body: body["id"])
    assert [body["event"] for body in bodies] == ["member.created", "member.deleted"]
    assert bodies[0]["data"]["member"]["email"] == "live@example.com"
    assert bodies[1]["data"]["member"] == {"id": created.json()["id"]}
    for request in receiver.requests:
        assert verify(endpoint["secret"], request["body"], request["headers"][HEADER])
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_an_endpoint_of_every_event_gets_no_member_events_unless_it_names_them(editor_api):
    everything = Endpoint.objects.create(url="https://hooks.example.com/all")
    posts = Endpoint.objects.create(
        url="https://hooks.example.com/posts", events=["post.published"]
    )
    asked = Endpoint.objects.create(
        url="https://hooks.example.com/members", events=["member.created"]
    )
    created = editor_api.post("/api/members/", {"email": "new@example.com"}, format="json")
    assert editor_api.delete(f"/api/members/{created.json()['id']}/").status_code == 204
    assert [(d.endpoint, d.event) for d in Delivery.objects.order_by("pk")] == [
        (asked, "member.created")
    ]
    assert not Delivery.objects.filter(endpoint__in=[everything, posts]).exists()
    assert everything.subscribes("post.published") and everything.subscribes("newsletter.sent")
