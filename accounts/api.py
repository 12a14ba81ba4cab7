"""API tokens: obtain, refresh and revoke (mounted under /api/auth/ by `AccountsConfig`).

On top of the revocable tokens of `accounts.tokens`; django-axes and our per-address
limit lock out password guessing here as on the login page.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.urls import path
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework_simplejwt import views as jwt_views

from api.parsers import JSONParser
from api.strict import StrictCharField

from . import tokens
from .login_limits import address_locked


class TokenObtainPairSerializer(tokens.TokenObtainPairSerializer):
    """Username and password as strings only: `{"password": 0}` is a 400, not a login try.

    On top of the revocable tokens of `accounts.tokens`.
    """

    # Declared for the schema only (simplejwt returns them from validate()).
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The user model's 150 characters: a longer name is a 400, not a login try.
        self.fields[self.username_field] = StrictCharField(write_only=True, max_length=150)
        self.fields["password"] = StrictCharField(write_only=True, trim_whitespace=False)


class TokenObtainPairView(jwt_views.TokenObtainPairView):
    """Username and password in, a short-lived access token and a refresh token out.

    After `AXES_FAILURE_LIMIT` failures (django-axes) the answer is a 429 with
    `Retry-After` (the whole cool-off: an upper bound), not the 401 of a wrong password:
    a client can tell "slow down" from "wrong credentials".
    """

    parser_classes = [JSONParser]
    serializer_class = TokenObtainPairSerializer

    def handle_exception(self, exc):
        if isinstance(exc, AuthenticationFailed) and self._locked_out():
            cool_off = get_cool_off(self.request)
            exc = Throttled(
                wait=cool_off.total_seconds() if cool_off else None,
                detail="Too many failed attempts: locked out for a while. See Retry-After.",
                code="locked_out",
            )
        return super().handle_exception(exc)

    def _locked_out(self) -> bool:
        data = self.request.data if isinstance(self.request.data, dict) else {}
        username = data.get("username")
        credentials = {"username": username} if isinstance(username, str) else None
        # axes takes DRF's request as simplejwt's authenticate() hands it (it reads META).
        request = self.request
        return AxesProxyHandler.is_locked(request, credentials) or address_locked(request)


class TokenRefreshView(jwt_views.TokenRefreshView):
    """A refresh token in, a new access token out (refused once revoked)."""

    parser_classes = [JSONParser]


class TokenLogoutView(jwt_views.TokenBlacklistView):
    """A refresh token in, revoked for good (simplejwt's blacklist): API logout."""

    parser_classes = [JSONParser]


urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token_logout"),
]
