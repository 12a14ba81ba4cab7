"""`comment.created` and `comment.approved` webhooks, delivered by a real worker through a
real broker to a receiver on loopback (as tests/webhooks do)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from comments.models import Comment
from core.origin import site_url
from tests.api.conftest import api, api_as  # noqa: F401  (fixtures)
from tests.comments.test_api import member_named, post_comment, signed_in
from tests.factories import EditorFactory, PostFactory
from tests.jobs.conftest import broker, broker_server, wait_for  # noqa: F401  (fixtures)
from tests.webhooks.conftest import receiver, webhook_worker  # noqa: F401  (fixtures)
from webhooks.models import Delivery
from webhooks.signing import HEADER, verify

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_pending_comment_then_its_approval_reach_the_endpoint(
    api_as,  # noqa: F811
    receiver,  # noqa: F811
    broker,  # noqa: F811
    webhook_worker,  # noqa: F811
    settings,
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    editor_api = api_as(EditorFactory(username="comment-hooks"))
    endpoint = editor_api.post(
        "/api/webhooks/",
        {"url": receiver.url, "events": ["comment.created", "comment.approved"]},
        format="json",
    ).json()
    post = PostFactory(announced_at=timezone.now())
    ada = member_named(email="ada@example.org")

    created = post_comment(signed_in(ada), post, {"body": "A first comment"})
    assert created.status_code == 201 and created.json()["status"] == "pending"
    wait_for(lambda: len(receiver.requests) == 1, what="comment.created at the receiver")

    comment_id = created.json()["id"]
    assert editor_api.post(f"/api/comments/{comment_id}/approve/").status_code == 200
    wait_for(lambda: len(receiver.requests) == 2, what="comment.approved at the receiver")

    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert [body["event"] for body in bodies] == ["comment.created", "comment.approved"]
    for request in receiver.requests:
        assert verify(endpoint["secret"], request["body"], request["headers"][HEADER])
        assert b"ada@example.org" not in request["body"]
        assert b"127.0.0.1" not in request["body"].replace(receiver.url.encode(), b"")
    first, second = (body["data"]["comment"] for body in bodies)
    assert first == {
        "id": comment_id,
        "post": {"id": post.pk, "url": site_url(post.get_absolute_url())},
        "parent": None,
        "author_name": "Ada",
        "status": "pending",
        "created_at": first["created_at"],
        "sequence": first["sequence"],
    }
    assert second["status"] == "approved" and second["sequence"] > first["sequence"]
    wait_for(
        lambda: Delivery.objects.filter(status="succeeded").count() == 2,
        what="both deliveries logged",
    )
    assert Comment.objects.get(pk=comment_id).status == Comment.Status.APPROVED


def test_with_no_endpoint_an_event_costs_one_query(django_assert_num_queries):
    from webhooks.comment_events import approved, created

    comment = Comment.objects.create(
        post=PostFactory(), body="b", body_html="<p>b</p>", created_at=timezone.now()
    )
    with django_assert_num_queries(2):  # "any endpoint?", once per event
        created(sender=Comment, comment=comment)
        approved(sender=Comment, comment=comment)
    assert not Delivery.objects.exists()


def test_the_comment_payload_matches_the_schema(client, editor):
    import jsonschema

    from webhooks.comment_events import comment_data
    from webhooks.models import Endpoint, Event
    from webhooks.services import dispatch

    schema = client.get("/api/schema/?format=json").json()
    Endpoint.objects.create(url="https://hooks.example.com/in", created_by=editor)
    top = Comment.objects.create(
        post=PostFactory(), body="b", body_html="<p>b</p>", created_at=timezone.now()
    )
    reply = Comment.objects.create(
        post=top.post, parent=top, body="r", body_html="<p>r</p>", created_at=timezone.now()
    )
    deliveries = dispatch(event=Event.COMMENT_CREATED, data=comment_data(reply))
    deliveries += dispatch(event=Event.COMMENT_APPROVED, data=comment_data(top))
    for delivery in deliveries:
        jsonschema.validate(
            json.loads(json.dumps(delivery.payload)),
            {"$ref": "#/components/schemas/WebhookPayload", "components": schema["components"]},
            cls=jsonschema.Draft202012Validator,
        )
    assert deliveries[0].payload["data"]["comment"]["parent"] == top.pk
