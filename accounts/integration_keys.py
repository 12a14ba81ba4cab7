"""Integration keys: revocable, scoped API keys that long-running integrations use instead
of a person's password (like Ghost's Admin API keys or WordPress application passwords).

    Authorization: Api-Key bsk_<prefix>_<secret>

- An editor makes a key in the admin (Accounts → Integration keys) for themselves or for
  a Contributor or Author; a superuser for anyone (`may_issue`). The key is shown once.
- A request with the key is the owner's request: every permission check is the owner's,
  and a `read` key may only read (GET, HEAD, OPTIONS; anything else is a 403
  `insufficient_scope`). A deactivated owner's keys stop working; a password change
  does not end them (that is what they are for).
- Revoking (the admin's action) ends the key at once: the next request is a 401.
- `last_used_at` is kept to the minute (one UPDATE a minute at most, not one a request).

The secret is 256 random bits, so a SHA-256 of it is as safe to store as a slow password
hash (nothing to guess) and costs no CPU per request; the comparison is constant-time.
Hand-written rather than a library: djangorestframework-api-key would do the key half,
but not keys acting as a user under a scope; this module is the whole of it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS

from .models import IntegrationKey, User
from .roles import AUTHOR, CONTRIBUTOR, role_of

KEYWORD = "Api-Key"
PREFIX = "bsk"
PREFIX_FORM = re.compile(r"[0-9a-f]{12}")  # secrets.token_hex(6)
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_issue(creator: User, owner: User) -> bool:
    """May `creator` make a key acting as `owner`? Never one that acts above the creator."""
    if creator.is_superuser:
        return True
    if owner.is_superuser or not owner.is_active:
        return False
    return owner.pk == creator.pk or role_of(owner) in (CONTRIBUTOR, AUTHOR)


def integration_key_create(
    *, name: str, user: User, scope: str, created_by: User
) -> tuple[IntegrationKey, str]:
    """A new key and its full text (shown once; only its hash is kept)."""
    key = IntegrationKey(name=name, user=user, scope=scope)
    return key, integration_key_issue(key=key, created_by=created_by)


def integration_key_issue(*, key: IntegrationKey, created_by: User) -> str:
    """Give the unsaved `key` (name, user, scope set) its secret and save it; the full
    text of the key, which exists nowhere else afterwards."""
    if not may_issue(created_by, key.user):
        raise PermissionDenied("You may not make a key that acts as this user.")
    secret = secrets.token_urlsafe(32)
    key.prefix = secrets.token_hex(6)
    key.secret_hash = _digest(secret)
    key.created_by = created_by
    key.save()
    return f"{PREFIX}_{key.prefix}_{secret}"


def integration_key_revoke(*, key: IntegrationKey) -> None:
    """End `key` now (kept, with when, for the record)."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def integration_key_check(raw: str) -> IntegrationKey | None:
    """The live key that `raw` is, with its owner; None if unknown, wrong or revoked."""
    label, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    if label != PREFIX or not PREFIX_FORM.fullmatch(prefix) or not secret:
        return None  # nothing else reaches the database (PostgreSQL refuses NUL in text)
    key = (
        IntegrationKey.objects.select_related("user")
        .filter(prefix=prefix, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
        return None
    _touch(key)
    return key


def _touch(key: IntegrationKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        IntegrationKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION),
            pk=key.pk,
        ).update(last_used_at=now)


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: the key's owner, within the key's scope."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the key after “Api-Key ”.")
        key = integration_key_check(header[1].decode(errors="replace"))
        if key is None:
            raise exceptions.AuthenticationFailed(
                "Unknown or revoked integration key.", "key_invalid"
            )
        if key.scope != IntegrationKey.WRITE and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(
                "This integration key may only read (scope: read).", "insufficient_scope"
            )
        return key.user, key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IntegrationKeyScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme for integration keys."""

    target_class = "accounts.integration_keys.IntegrationKeyAuthentication"
    name = "integrationKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: an integration key made by an editor.",
        }
