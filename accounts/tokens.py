"""API tokens that end when the user's sign-ins end: one rule for tokens and sessions.

`User.auth_generation` is raised when the password changes, when the account is saved
inactive and when an editor revokes the user's sign-ins from the admin. Every token
carries the generation it was issued under (claim `gen`); a token whose generation is
not the user's current one is refused, whether it is an access token on a request or a
refresh token asking for a new access token. Sessions follow the same number through
`User.get_session_auth_hash()`.

Logging out one token (`POST /api/auth/logout/`) uses simplejwt's blacklist app.
Wire-up: `REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]` and `SIMPLE_JWT`'s
`TOKEN_OBTAIN_SERIALIZER` / `TOKEN_REFRESH_SERIALIZER` name the classes below.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication, serializers, tokens
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

CLAIM = "gen"
REVOKED = "The token was revoked (password change, deactivation or sign-out)."


def is_current(token: tokens.Token, user) -> bool:
    """Was `token` issued under the user's present generation of sign-ins?"""
    return token.get(CLAIM) == user.auth_generation


class RefreshToken(tokens.RefreshToken):
    """A refresh token (and the access tokens it mints) stamped with the generation."""

    @classmethod
    def for_user(cls, user) -> RefreshToken:
        token = super().for_user(user)
        token[CLAIM] = user.auth_generation
        return token


class TokenObtainPairSerializer(serializers.TokenObtainPairSerializer):
    token_class = RefreshToken


class TokenRefreshSerializer(serializers.TokenRefreshSerializer):
    """Refuses a refresh token of an earlier generation (or of a user who is gone)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not is_current(refresh, user):
            raise AuthenticationFailed(REVOKED, "token_revoked")
        return super().validate(attrs)


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication, refusing tokens of an earlier generation."""

    def get_user(self, validated_token: tokens.Token):
        user = super().get_user(validated_token)
        if not is_current(validated_token, user):
            raise AuthenticationFailed(REVOKED, "token_revoked")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI bearer scheme for our subclass (drf-spectacular matches exact classes)."""

    target_class = "accounts.tokens.JWTAuthentication"
