"""Issue 26, finding 8: password spraying from one address across many usernames meets a
per-address failure limit (accounts/login_limits.py), not only nginx's request rate."""

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _login(client, username, password, address):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_one_address_spraying_many_usernames_is_locked_out(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    UserFactory(username="carol")
    for n in range(8):  # one guess per username: axes' per-username count never moves
        wrong = _login(client, f"user{n}", "Summer2026!", "203.0.113.20")
        assert wrong.status_code == 200, n
    locked = _login(client, "carol", PASSWORD, "203.0.113.20")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    # The API's token endpoint answers the same address with its own 429.
    token = client.post(
        "/api/auth/token/",
        {"username": "carol", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.20",
    )
    assert token.status_code == 429 and "Retry-After" in token
    # Another address is not affected.
    assert _login(Client(), "carol", PASSWORD, "198.51.100.3").status_code == 302


def test_a_few_failures_from_a_shared_address_lock_nobody_out(client, settings):
    UserFactory(username="dave")
    for n in range(settings.AXES_FAILURE_LIMIT + 2):  # more than axes' per-username limit
        _login(client, f"typo{n}", "nope", "203.0.113.21")
    assert _login(client, "dave", PASSWORD, "203.0.113.21").status_code == 302
