"""Finding 2: a password change, a deactivation or an editor's "sign out everywhere" ends
every API token and session of the user; `POST /api/auth/logout/` ends one refresh token.

Before, the old refresh token kept minting access tokens that could write, for a day.
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-new-and-long-passphrase-42"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _tokens(user, password=PASSWORD) -> dict:
    response = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _write(access: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api.post("/api/posts/", {"title": "Still me?", "body": "b"}, format="json").status_code


def _refresh(refresh: str):
    return APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")


def _assert_revoked(tokens: dict) -> None:
    assert _write(tokens["access"]) == 401
    refreshed = _refresh(tokens["refresh"])
    assert refreshed.status_code == 401, refreshed.content
    assert "access" not in refreshed.json()


def test_password_change_revokes_tokens_and_other_sessions_but_keeps_this_one(
    author, client, django_user_model
):
    tokens = _tokens(author)
    assert _write(tokens["access"]) == 201
    elsewhere = type(client)()
    elsewhere.force_login(author, backend=BACKEND)
    client.force_login(author, backend=BACKEND)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    _assert_revoked(tokens)
    assert client.get("/admin/").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/admin/").status_code == 302  # any other one is signed out
    fresh = _tokens(author, NEW_PASSWORD)
    assert _write(fresh["access"]) == 201
    assert _refresh(fresh["refresh"]).status_code == 200


def test_deactivation_revokes_tokens_for_good(author):
    tokens = _tokens(author)
    author.is_active = False
    author.save()
    _assert_revoked(tokens)
    author.is_active = True
    author.save()
    _assert_revoked(tokens)  # reactivating does not bring old tokens back


def test_editor_signs_a_user_out_everywhere_from_the_admin(author, client_for):
    tokens = _tokens(author)
    victim_session = APIClient()
    victim_session.force_login(author, backend=BACKEND)
    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "x-Pass-1234")
    response = client_for(admin).post(
        "/admin/accounts/user/",
        {"action": "revoke_sign_ins", "_selected_action": [author.pk]},
        follow=True,
    )
    assert "1 user(s) signed out" in response.content.decode()
    _assert_revoked(tokens)
    assert victim_session.get("/api/posts/?status=draft").wsgi_request.user.is_anonymous


def test_api_logout_revokes_that_refresh_token_only(author):
    first, second = _tokens(author), _tokens(author)
    response = APIClient().post("/api/auth/logout/", {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    assert _refresh(first["refresh"]).status_code == 401
    assert _refresh(second["refresh"]).status_code == 200


def test_a_password_hash_upgrade_at_login_revokes_nothing(author, settings):
    tokens = _tokens(author)
    # Logging in with a hasher that is no longer first re-hashes the password on the spot.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    fresh = _tokens(author)
    assert _write(tokens["access"]) == 201
    assert _write(fresh["access"]) == 201


def test_sign_out_everywhere_ends_a_session_signed_under_a_rotated_secret_key(
    author, client, settings
):
    """While SECRET_KEY_FALLBACKS hold the old key, sessions made under it stay signed in,
    and "sign out everywhere" still ends them (the fallback hashes carry the generation)."""
    settings.SECRET_KEY = "the-old-key-" + "x" * 50
    client.force_login(author, backend=BACKEND)
    other = type(client)()
    other.force_login(author, backend=BACKEND)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-" + "y" * 50
    assert client.get("/admin/").status_code == 200  # rotated: still signed in
    type(author).objects.filter(pk=author.pk).update(auth_generation=author.auth_generation + 1)
    assert other.get("/admin/").status_code == 302  # signed out, old key or not
