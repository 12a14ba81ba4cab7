"""Rate limits on mails asked for: per address and per client, answered with a 429 page."""

from __future__ import annotations

import pytest

from members.models import SignInLink

pytestmark = pytest.mark.django_db


def test_five_mails_an_hour_per_address_then_a_readable_429(
    client, smtp, post_on_commit, settings, time_machine
):
    assert settings.MEMBERS_MAILS_PER_ADDRESS_PER_HOUR == 5
    for _ in range(5):
        assert post_on_commit("/members/signup/", {"email": "ada@example.com"}).status_code == 303
    refused = post_on_commit("/members/signup/", {"email": "ADA@example.com"})
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    # The sign-in form counts for the same address too.
    assert post_on_commit("/members/signin/", {"email": "ada@example.com"}).status_code == 429
    assert smtp.rcpt_counts()["ada@example.com"] == 5
    assert SignInLink.objects.count() == 5
    # Another address from the same client still goes through.
    assert post_on_commit("/members/signup/", {"email": "bob@example.com"}).status_code == 303


def test_twenty_an_hour_per_client_then_429_until_the_hour_is_over(
    client, smtp, post_on_commit, settings
):
    assert settings.MEMBERS_MAILS_PER_CLIENT_PER_HOUR == 20
    for n in range(20):
        response = post_on_commit("/members/signup/", {"email": f"reader{n}@example.com"})
        assert response.status_code == 303
    refused = post_on_commit("/members/signup/", {"email": "one-more@example.com"})
    assert refused.status_code == 429
    assert len(smtp.messages) == 20
    # Another client is not held back by this one.
    other = post_on_commit(
        "/members/signup/", {"email": "neighbour@example.com"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 303
