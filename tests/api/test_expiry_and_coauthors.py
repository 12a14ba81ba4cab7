"""Expiry and co-authors through the API: `expires_at` read and written by who may publish,
after the publication time; `authors` in byline order, written by editors as `author_ids`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


# --- the API ----------------------------------------------------------------------------


def test_the_api_reads_and_writes_expires_at_for_who_may_publish(api_as, author, contributor):
    post = PostFactory(author=author)
    url = f"/api/posts/{post.pk}/"
    later = (timezone.now() + timedelta(days=3)).isoformat()
    response = api_as(author).patch(url, {"expires_at": later}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["expires_at"] is not None
    assert response.json()["state"] == "published"
    # Before the stored publication time: a valid value the post as it is rules out.
    too_early = (post.published_at - timedelta(minutes=1)).isoformat()
    response = api_as(author).patch(url, {"expires_at": too_early}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["type"].endswith(":conflict")
    assert response.json()["errors"][0]["field"] == "expires_at"
    assert "after the publication time" in response.json()["errors"][0]["message"]
    # A publication time after the stored expiry: the same conflict.
    later_still = (timezone.now() + timedelta(days=4)).isoformat()
    response = api_as(author).patch(url, {"published_at": later_still}, format="json")
    assert response.status_code == 409, response.content
    # Both in one request: the request contradicts itself, a 400.
    response = api_as(author).patch(
        url, {"published_at": later_still, "expires_at": later}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "after the publication time" in response.content.decode()
    draft = PostFactory(author=contributor, draft=True)
    response = api_as(contributor).patch(
        f"/api/posts/{draft.pk}/", {"expires_at": later}, format="json"
    )
    assert response.status_code == 403
    assert "publish" in response.json()["detail"]


def test_an_expiry_before_the_publication_time_is_a_400_in_one_request_a_409_against_the_post(
    api_as, author
):
    api, now = api_as(author), timezone.now()
    past, soon = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=1)).isoformat()
    # A new post whose own times contradict each other.
    response = api.post(
        "/api/posts/",
        {"title": "Both times", "body": "x", "status": "published", "published_at": soon,
         "expires_at": past},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400, response.content
    # An undated draft published by this request is published now: an expiry in the
    # past sent with it contradicts the request.
    draft = PostFactory(author=author, draft=True, published_at=None)
    url = f"/api/posts/{draft.pk}/"
    response = api.patch(url, {"status": "published", "expires_at": past}, format="json")
    assert response.status_code == 400, response.content
    # The same draft with that expiry stored: publishing it now conflicts with the post.
    Post.objects.filter(pk=draft.pk).update(expires_at=now - timedelta(days=1))
    response = api.patch(url, {"status": "published"}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["errors"][0]["field"] == "expires_at"
    draft.refresh_from_db()
    assert draft.status == "draft"  # nothing was saved


# --- co-authors -------------------------------------------------------------------------


def test_the_api_lists_every_author_in_order_and_editors_write_them_by_id(api_as, editor):
    ada, bea = AuthorFactory(username="ada"), AuthorFactory(username="bea")
    response = api_as(editor).post(
        "/api/posts/",
        {"title": "Together", "body": "b", "author_ids": [bea.pk, ada.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["author"]["username"] == "bea"  # the lead, kept for older clients
    assert [a["username"] for a in row["authors"]] == ["bea", "ada"]
    assert "author_ids" not in row
    url = f"/api/posts/{row['id']}/"
    response = api_as(editor).patch(url, {"author_ids": [ada.pk, editor.pk]}, format="json")
    assert [a["username"] for a in response.json()["authors"]] == ["ada", "editor"]
    assert api_as(editor).patch(url, {"author_ids": []}, format="json").status_code == 400
    assert api_as(editor).patch(url, {"author_ids": [99999]}, format="json").status_code == 409


def test_only_editors_choose_authors_and_any_listed_author_edits(api_as, author, other_author):
    post = PostFactory(author=other_author, authors=[other_author, author])
    url = f"/api/posts/{post.pk}/"
    response = api_as(author).patch(url, {"title": "Edited by a co-author"}, format="json")
    assert response.status_code == 200, response.content
    response = api_as(author).patch(url, {"author_ids": [author.pk]}, format="json")
    assert response.status_code == 403
    stranger = AuthorFactory(username="stranger")
    assert api_as(stranger).patch(url, {"title": "No"}, format="json").status_code in (403, 404)
