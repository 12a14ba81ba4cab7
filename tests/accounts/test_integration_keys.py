"""Integration keys (issue 25, finding 5): made by an editor in the admin and shown once,
used as `Authorization: Api-Key <key>` with the owner's permissions, limited by scope,
revoked from the admin (then a 401)."""

import re

import pytest
from rest_framework.test import APIClient

from accounts.integration_keys import integration_key_create
from accounts.models import IntegrationKey
from blog.models import Post
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/accounts/integrationkey/add/"
LIST_URL = "/admin/accounts/integrationkey/"


def _key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _make_in_admin(client, **fields) -> str:
    response = client.post(ADD_URL, fields)
    assert response.status_code == 200, response.content[:500]
    [key] = re.findall(rb'id="integration-key" value="(bsk_[^"]+)"', response.content)
    return key.decode()


def test_an_editor_makes_a_key_shown_once_and_stored_hashed(client_for, editor, author):
    client = client_for(editor)
    key = _make_in_admin(client, name="Newsletter sync", user=author.pk, scope="write")
    stored = IntegrationKey.objects.get()
    assert (stored.name, stored.user, stored.scope, stored.created_by) == (
        "Newsletter sync", author, "write", editor,
    )  # fmt: skip
    assert key.startswith(f"bsk_{stored.prefix}_")
    secret = key.removeprefix(f"bsk_{stored.prefix}_")
    assert secret not in stored.secret_hash and len(secret) >= 40
    listing = client.get(LIST_URL)
    assert listing.status_code == 200 and b"Newsletter sync" in listing.content
    assert secret.encode() not in listing.content
    detail = client.get(f"{LIST_URL}{stored.pk}/change/")
    assert detail.status_code == 200 and secret.encode() not in detail.content


def test_an_editor_cannot_make_a_key_acting_as_another_editor_or_a_superuser(client_for, editor):
    from tests.factories import EditorFactory

    other = EditorFactory(username="other_editor")
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    client = client_for(editor)
    for owner in (other, boss):
        response = client.post(ADD_URL, {"name": "x", "user": owner.pk, "scope": "write"})
        assert response.status_code == 200 and b"integration-key" not in response.content
    assert not IntegrationKey.objects.exists()


def test_a_write_key_acts_as_its_owner(author, other_author):
    _, key = integration_key_create(name="CMS", user=author, scope="write", created_by=author)
    client = _key_client(key)
    draft = PostFactory(author=author, draft=True, title="Own draft")
    others = PostFactory(author=other_author, draft=True)
    assert client.get(f"/api/posts/{draft.pk}/").status_code == 200
    assert client.get(f"/api/posts/{others.pk}/").status_code == 404  # as the author would
    created = client.post("/api/posts/", {"title": "Via key", "body": "b"})
    assert created.status_code == 201, created.content
    assert Post.objects.get(title="Via key").author == author
    changed = client.patch(f"/api/posts/{draft.pk}/", {"title": "Changed by key"})
    assert changed.status_code == 200
    assert IntegrationKey.objects.get().last_used_at is not None


def test_a_read_key_is_refused_writes(author):
    _, key = integration_key_create(name="Mirror", user=author, scope="read", created_by=author)
    client = _key_client(key)
    draft = PostFactory(author=author, draft=True, title="Kept")
    assert client.get(f"/api/posts/{draft.pk}/").status_code == 200  # reads as the owner
    response = client.patch(f"/api/posts/{draft.pk}/", {"title": "Nope"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "insufficient_scope"
    assert client.post("/api/posts/", {"title": "Nope", "body": "b"}).status_code == 403
    draft.refresh_from_db()
    assert draft.title == "Kept" and not Post.objects.filter(title="Nope").exists()


def test_a_revoked_key_is_a_401(client_for, editor, author):
    _, key = integration_key_create(name="Old", user=author, scope="write", created_by=editor)
    draft = PostFactory(author=author, draft=True)
    assert _key_client(key).get(f"/api/posts/{draft.pk}/").status_code == 200
    stored = IntegrationKey.objects.get()
    response = client_for(editor).post(
        LIST_URL, {"action": "revoke", "_selected_action": [stored.pk]}
    )
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    refused = _key_client(key).get(f"/api/posts/{draft.pk}/")
    assert refused.status_code == 401
    assert refused.json()["code"] == "key_invalid"


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key bsk_nothing_here",
        "Api-Key bsk_0123456789ab_wrong",
        "Api-Key bsk_\x00\x00_secret",
        "Api-Key not-a-key",
        "Api-Key",
        "Api-Key {key}x",
    ],
)
def test_a_wrong_key_is_a_401(author, header):
    _, key = integration_key_create(name="K", user=author, scope="read", created_by=author)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(key=key))
    assert client.get("/api/posts/").status_code == 401


def test_a_deactivated_owners_keys_stop_but_a_password_change_does_not(author):
    _, key = integration_key_create(name="K", user=author, scope="read", created_by=author)
    author.set_password("a-new-password-4321")
    author.save()
    assert _key_client(key).get("/api/posts/").status_code == 200
    author.is_active = False
    author.save()
    assert _key_client(key).get("/api/posts/").status_code == 401
