"""Members in tests: a signed-in member's browser, as `members.sessions.remember` leaves it."""

from __future__ import annotations

import pytest
from django.test import Client

from members.models import Member
from members.sessions import SESSION_EPOCH, SESSION_MEMBER


@pytest.fixture
def member(db) -> Member:
    return Member.objects.create(email="member@example.com", status=Member.Status.ACTIVE)


@pytest.fixture
def member_client(member) -> Client:
    """A test client of its own (not pytest-django's `client`, which stays anonymous in
    the same test) signed in as `member`: the session holds the member's id and epoch."""
    browser = Client()
    session = browser.session  # saved, and its cookie set on the client
    session[SESSION_MEMBER] = member.pk
    session[SESSION_EPOCH] = member.session_epoch
    session.save()
    return browser
