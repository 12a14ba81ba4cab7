"""One write path for posts (`blog.services`) and its domain events (`blog.events`).

What a writer, an editor, a mirror or a site owner would notice if a path drifted: the
admin, the API, revision restore and the importer all date a post's first publication,
announce it once, refuse a write made from a stale copy under the same rule, and leave
the same trail (pages retired, tombstones, webhooks, revisions), in bulk too.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from blog import events
from blog.models import Post, PostTombstone
from blog.services import (
    StaleVersion,
    post_bulk_create,
    post_bulk_update,
    post_create,
    post_delete,
    post_publish,
    post_unpublish,
    post_update,
)
from editorial import revisions
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

WORDPRESS = Path(__file__).parent.parent / "transfer" / "fixtures" / "wordpress.xml"
EVENTS = ("post_created", "post_updated", "post_published", "post_unpublished", "post_deleted")


@pytest.fixture
def sent():
    """Every domain event sent during the test: name → list of the post ids of each send."""
    log: dict[str, list[list[int]]] = defaultdict(list)
    receivers = []
    for name in EVENTS:

        def receiver(sender, posts, name=name, **kwargs):
            log[name].append([getattr(post, "pk", None) or post.id for post in posts])

        getattr(events, name).connect(receiver, sender=Post)
        receivers.append((name, receiver))
    yield log
    for name, receiver in receivers:
        getattr(events, name).disconnect(receiver, sender=Post)


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- every writer goes through the service ---------------------------------------------


def test_the_admin_publishes_through_the_service(client_for, editor, sent):
    response = client_for(editor).post(
        reverse("admin:blog_post_add"),
        form(title="From the admin", author=editor.pk, _action="publish"),
    )
    assert response.status_code == 302
    post = Post.objects.get(title="From the admin")
    assert post.is_public and post.first_public_at == post.published_at
    assert sent["post_created"] == [[post.pk]] and sent["post_published"] == [[post.pk]]


def test_the_api_publishes_through_the_service(editor, sent):
    data = {"title": "From the API", "body": "Text.", "status": "published"}
    response = api_client(editor).post("/api/posts/", data, format="json")
    assert response.status_code == 201, response.content
    post = Post.objects.get(title="From the API")
    assert post.is_public and post.first_public_at == post.published_at
    assert post.last_edited_by == editor
    assert sent["post_created"] == [[post.pk]] and sent["post_published"] == [[post.pk]]


def test_a_restore_publishes_through_the_service(
    client_for, editor, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # revisions are taken on commit
        post = PostFactory(title="Published once")
    with django_capture_on_commit_callbacks(execute=True):
        post_unpublish(post=post, user=editor)
    published = revisions.post_versions(post).last()
    sent.clear()
    client_for(editor).post(reverse("admin:post_restore", args=[post.pk, published.pk]))
    post.refresh_from_db()
    assert post.is_public and post.title == "Published once" and post.first_public_at
    assert sent["post_updated"] == [[post.pk]] and sent["post_published"] == [[post.pk]]


def test_an_import_dates_first_publication_and_sends_the_events_in_batches(sent):
    call_command("import_wordpress", str(WORDPRESS), "--json", stdout=io.StringIO())
    public = list(Post.all_kinds.public())  # the fixture's page too: the same events
    assert public, "the fixture has published posts"
    # Imports never set first_public_at before the service: old links of a renamed
    # imported post were then lost, and mirrors' Last-Modified ignored them.
    assert all(post.first_public_at == post.published_at for post in public)
    created = [pk for batch in sent["post_created"] for pk in batch]
    published = [pk for batch in sent["post_published"] for pk in batch]
    assert sorted(created) == sorted(Post.all_kinds.values_list("pk", flat=True))
    assert sorted(published) == sorted(post.pk for post in public)  # each once
    assert len(sent["post_created"]) < len(created)  # batched, not one send per post


# --- one optimistic lock ---------------------------------------------------------------


def test_a_stale_copy_is_refused_by_admin_api_and_service_alike(client_for, editor, author):
    post = PostFactory(author=author, draft=True, title="Tide tables")
    read_at = post.version
    post_update(post=post, data={"title": "Tide tables (edited)"}, user=editor)

    with pytest.raises(StaleVersion):
        post_update(post=post, data={"title": "Lost"}, user=author, expected_version=read_at)

    stale_form = form(post, title="Lost in the admin", version=read_at, _action="draft")
    response = client_for(author).post(change_url(post), stale_form)
    assert response.status_code == 200
    assert f"{editor.public_name} saved this post at" in response.content.decode()

    response = api_client(author).patch(
        f"/api/posts/{post.pk}/", {"title": "Lost in the API"}, HTTP_IF_MATCH=f'"{read_at}"'
    )
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"

    post.refresh_from_db()
    assert post.title == "Tide tables (edited)"
    fresh = post.version  # the version every path hands out (form field, ETag) passes
    response = api_client(author).patch(
        f"/api/posts/{post.pk}/", {"title": "Saved"}, HTTP_IF_MATCH=f'"{fresh}"'
    )
    assert response.status_code == 200 and response["ETag"] != f'"{fresh}"'


# --- events: once per write, never skipped --------------------------------------------


def test_each_write_sends_its_events_once(editor, sent):
    post = post_create(data={"title": "Draft", "body": "Text."}, user=editor)
    assert dict(sent) == {"post_created": [[post.pk]]}
    sent.clear()
    post_update(post=post, data={"title": "Draft, edited"}, user=editor)
    assert dict(sent) == {"post_updated": [[post.pk]]}
    sent.clear()
    post_publish(post=post, user=editor)
    assert dict(sent) == {"post_updated": [[post.pk]], "post_published": [[post.pk]]}
    sent.clear()
    post_unpublish(post=post, user=editor)
    assert dict(sent) == {"post_updated": [[post.pk]], "post_unpublished": [[post.pk]]}
    assert PostTombstone.objects.filter(post_id=post.pk, reason="unpublished").exists()
    sent.clear()
    post_id = post.pk
    post_delete(post=post, user=editor)
    assert dict(sent) == {"post_deleted": [[post_id]]}
    assert PostTombstone.objects.get(post_id=post_id).reason == "deleted"


def test_scheduling_is_not_publishing_the_sweep_says_when_it_goes_live(editor, sent):
    later = timezone.now() + timedelta(days=1)
    data = {"title": "Later", "body": "Text.", "status": "published", "published_at": later}
    post = post_create(data=data, user=editor)
    assert dict(sent) == {"post_created": [[post.pk]]}
    assert post.first_public_at is None


def test_bulk_writes_send_the_same_events_batched_with_webhooks_and_tombstones(
    author, editor, sent
):
    Endpoint.objects.create(url="https://hooks.example.com/in")
    now = timezone.now()
    posts = [
        Post(title=f"Imported {n}", body="Text.", author=author, status="published",
             published_at=now - timedelta(days=n + 1))
        for n in range(3)
    ] + [Post(title="Imported draft", body="Text.", author=author)]  # fmt: skip
    post_bulk_create(posts=posts, announced=True)
    assert sent["post_created"] == [[post.pk for post in posts]]
    assert sent["post_published"] == [[post.pk for post in posts[:3]]]
    assert all(post.first_public_at == post.published_at for post in posts[:3])

    sent.clear()
    for post in posts[:2]:
        post.status = "draft"
    post_bulk_update(posts=posts[:2], fields=["status"])
    assert sent["post_updated"] == [[posts[0].pk, posts[1].pk]]
    assert sent["post_unpublished"] == [[posts[0].pk, posts[1].pk]]
    assert set(PostTombstone.objects.values_list("post_id", flat=True)) == {
        posts[0].pk, posts[1].pk,
    }  # fmt: skip
    unpublished = Delivery.objects.filter(event="post.unpublished")
    assert sorted(d.payload["data"]["post"]["id"] for d in unpublished) == sorted(
        post.pk for post in posts[:2]
    )


def test_a_draft_save_costs_the_same_queries_with_or_without_webhook_endpoints(
    editor, django_assert_num_queries
):
    """An ordinary save reads the row once, under the lock (`post_lock`): no listener
    queries for a draft, whether or not a webhook endpoint exists (the webhooks' old
    `pre_save` receiver asked the database on every save)."""
    post = PostFactory(draft=True)
    # SAVEPOINT, lock-and-read, UPDATE, search entry (SQLite's FTS5: delete and insert),
    # RELEASE.
    expected = 6 if connection.vendor == "sqlite" else 5
    with django_assert_num_queries(expected):
        post_update(post=post, data={"title": "Quiet edit"}, user=editor)
    Endpoint.objects.create(url="https://hooks.example.com/in")
    with django_assert_num_queries(expected):
        post_update(post=post, data={"title": "Quiet edit again"}, user=editor)


def test_a_submit_tells_the_editors_once_from_the_admin_or_the_api(
    client_for, contributor, editor, django_capture_on_commit_callbacks
):
    """The editors' mail hangs on the post's events, not on the admin's button: a
    Contributor submitting through the API is heard too, and saving again while in
    review sends nothing more."""
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(contributor).post(
            "/api/posts/", {"title": "Kelp", "body": "Text.", "status": "review"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert [message.subject.rsplit(": ", 1)[-1] for message in mail.outbox] == ["Kelp"]
    post = Post.objects.get(title="Kelp")
    with django_capture_on_commit_callbacks(execute=True):
        api_client(contributor).patch(f"/api/posts/{post.pk}/", {"body": "More."}, format="json")
    assert len(mail.outbox) == 1
    draft = PostFactory(author=contributor, draft=True, title="Reef")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(contributor).post(change_url(draft), form(draft, _action="review"))
    assert [message.subject.rsplit(": ", 1)[-1] for message in mail.outbox] == ["Kelp", "Reef"]
