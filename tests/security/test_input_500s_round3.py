"""Issue 26, finding 8: four inputs that answered 500 are client errors now (on
PostgreSQL, which refuses NUL bytes and over-long strings where SQLite does not)."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from django.urls import reverse

from editorial.models import Autosave
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

LONG = "u" * 300


@pytest.fixture
def raw_client():
    """A client that returns the 500 page instead of raising, as a real server would."""
    return Client(raise_request_exception=False)


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-01-01T00:00:00+23:59"],
)
def test_a_cursor_with_an_extreme_offset_is_not_a_500(api, moment):
    PostFactory()
    response = api.get("/api/posts/", {"cursor": _cursor(f"{moment}|1")})
    assert response.status_code in (200, 404)  # a page after that moment, or no such cursor


def test_an_over_long_username_on_the_login_page_is_a_client_error(raw_client):
    response = raw_client.post(reverse("accounts:login"), {"username": LONG, "password": "x"})
    assert response.status_code in (200, 400)  # the form again, or a plain refusal
    response = raw_client.post(reverse("admin:login"), {"username": LONG, "password": "x"})
    assert response.status_code in (200, 400)


def test_an_over_long_username_on_the_token_endpoint_is_a_400(raw_client):
    response = raw_client.post(
        "/api/auth/token/",
        {"username": LONG, "password": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["a=abc", "a=1&b=abc", "a=%00", "a=99999999999999999999"])
def test_a_bad_revision_number_in_compare_is_a_client_error(raw_client, editor, query):
    post = PostFactory(author=editor)
    raw_client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:post_compare", args=[post.pk]) + "?" + query
    assert 400 <= raw_client.get(url).status_code < 500


@pytest.mark.parametrize("field", ["title", "body", "excerpt", "slug"])
def test_an_autosave_with_a_nul_byte_is_a_400(raw_client, author, field):
    post = PostFactory(author=author, draft=True)
    raw_client.force_login(author, backend="django.contrib.auth.backends.ModelBackend")
    for url in (reverse("admin:post_autosave", args=[post.pk]), reverse("admin:post_autosave_new")):
        posted = {"title": "T", "body": "b", "slug": "s", field: "a\x00b"}
        response = raw_client.post(url, {**posted, "_draft_key": "0123456789abcdef" * 2})
        assert response.status_code == 400
        assert "error" in response.json()
    assert not Autosave.objects.exists()
