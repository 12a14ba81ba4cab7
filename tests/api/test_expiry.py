"""Expiry through the API: `expires_at` read and written by who may publish, after the
publication time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PostFactory

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
    too_early = (post.published_at - timedelta(minutes=1)).isoformat()
    response = api_as(author).patch(url, {"expires_at": too_early}, format="json")
    assert response.status_code == 400
    assert "after the publication time" in response.content.decode()
    draft = PostFactory(author=contributor, draft=True)
    response = api_as(contributor).patch(
        f"/api/posts/{draft.pk}/", {"expires_at": later}, format="json"
    )
    assert response.status_code == 403
    assert "publish" in response.json()["detail"]
