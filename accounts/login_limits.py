"""Login limits on top of django-axes: a per-address limit across usernames, and the
username axes records.

django-axes locks a username *from one address* (`AXES_LOCKOUT_PARAMETERS`), so nobody can
lock `admin` out from elsewhere. That alone lets one address try one password against
many usernames (spraying) at nginx's rate. axes compares every parameter with one
`AXES_FAILURE_LIMIT`, and a limit of 5 per address would lock out an office behind one
NAT, so the address gets its own, higher limit here: `LOGIN_FAILURES_PER_ADDRESS`
failed logins (any usernames) within `AXES_COOLOFF_TIME`, counted in the cache.

`AddressLimitBackend` goes first in `AUTHENTICATION_BACKENDS`: over the limit it refuses
before any password is checked and marks the request locked out the way axes' own
backend does (`request.axes_locked_out`), so `AxesMiddleware` answers with the same
lock-out page (429), and the API's token view with its 429. Failures are counted by a
`user_login_failed` receiver (connected in `AccountsConfig.ready`).

`axes_username` is `AXES_USERNAME_CALLABLE`: axes' own rule, cut to the 255 characters
its table holds (a longer username made PostgreSQL refuse the row: a 500).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

from core.client_ip import client_ip

AXES_USERNAME_MAX_LENGTH = 255  # axes.models.AccessBase.username


def axes_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username axes records: the submitted one, at most 255 characters."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        value = getattr(request, "data", request.POST).get(field)
    return value[:AXES_USERNAME_MAX_LENGTH] if isinstance(value, str) else value


def _key(request: HttpRequest) -> str:
    return f"login-failures:{client_ip(request)}"


def address_failures(request: HttpRequest) -> int:
    """Failed logins from the request's address in the current window."""
    return cache.get(_key(request)) or 0


def address_locked(request: HttpRequest | None) -> bool:
    if request is None or not settings.AXES_ENABLED:
        return False
    return address_failures(request) >= settings.LOGIN_FAILURES_PER_ADDRESS


@receiver(user_login_failed, dispatch_uid="accounts.login_limits.count")
def count_failure(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """One more failure for the address (the window starts at its first failure)."""
    if request is None:
        return
    key, window = _key(request), int(settings.AXES_COOLOFF_TIME.total_seconds())
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)


class AddressLimitBackend:
    """Refuses every login from an address over its failure limit (module docstring).

    Only `authenticate`: with no `get_user` it is never a session's backend (Django's
    `force_login` and `get_user` skip it), like axes' own standalone backend.
    """

    def authenticate(self, request, **credentials):
        if address_locked(request):
            request.axes_locked_out = True  # AxesMiddleware answers with the lock-out page
            raise PermissionDenied("Too many failed logins from this address.")
        return None
