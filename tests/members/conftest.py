"""Newsletters and members for the members' admin, import, API and webhook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from members.models import Member
from newsletters.models import Newsletter, Subscription
from tests.api.conftest import api, api_as  # noqa: F401  (fixtures)
from tests.jobs.conftest import broker, broker_server  # noqa: F401  (fixtures)
from tests.webhooks.conftest import receiver, webhook_worker  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def weekly(db) -> Newsletter:
    return Newsletter.objects.create(name="The Weekly", slug="weekly", order=1)


@pytest.fixture
def extra(db) -> Newsletter:
    """A newsletter members get only when they choose it."""
    return Newsletter.objects.create(name="Extra", slug="extra", subscribe_by_default=False)


def make_member(email: str, *, newsletters=(), **fields) -> Member:
    fields.setdefault("status", Member.Status.ACTIVE)
    member = Member.objects.create(email=email, **fields)
    Subscription.objects.bulk_create(
        [Subscription(member=member, newsletter=newsletter) for newsletter in newsletters]
    )
    return member
