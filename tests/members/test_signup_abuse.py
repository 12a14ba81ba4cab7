"""What a stranger typing addresses into the sign-up form can and cannot do.

- a typed address is not a member yet: no `member.created` webhook until it is confirmed,
  and a sign-up never confirmed is forgotten after seven days (beat, daily);
- the limits count per mailbox (`+tag` variants, Gmail's dots) and per IPv6 /64;
- the name typed with someone else's address is not theirs: it waits on the
  confirmation link and applies only if the owner confirms with that link.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members.limits import client_key, mailbox_key
from members.models import Member, SignInLink
from members.services import create_member, delete_unconfirmed_signups
from tests.members.conftest import last_link_to
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooks(db) -> Endpoint:
    return Endpoint.objects.create(
        url="https://hooks.example.com/in", events=["member.created", "member.deleted"]
    )


def events() -> list[tuple[str, str]]:
    deliveries = Delivery.objects.order_by("pk")
    return [(d.event, d.payload["data"]["member"].get("status", "")) for d in deliveries]


def test_a_sign_up_is_announced_when_confirmed_not_when_typed(client, smtp, post_on_commit, hooks):
    post_on_commit("/members/signup/", {"email": "typed@example.com"})
    assert Member.objects.get().status == Member.Status.PENDING
    assert events() == []  # an address someone typed: nobody is told

    post_on_commit(last_link_to(smtp, "typed@example.com"))
    assert Member.objects.get().status == Member.Status.ACTIVE
    assert events() == [("member.created", "active")]
    [delivery] = Delivery.objects.all()
    assert delivery.payload["data"]["member"]["email"] == "typed@example.com"


def test_members_made_by_editors_are_announced_at_once(hooks):
    create_member(email="api@example.com", source=Member.Source.API, confirmed=True)
    create_member(email="admin@example.com", source=Member.Source.ADMIN, confirmed=False)
    assert events() == [("member.created", "active"), ("member.created", "pending")]


def test_unconfirmed_sign_ups_are_forgotten_after_seven_days(
    client, smtp, post_on_commit, hooks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    post_on_commit("/members/signup/", {"email": "never@example.com"})
    post_on_commit("/members/signup/", {"email": "later@example.com"})
    create_member(email="editor-made@example.com", source=Member.Source.ADMIN, confirmed=False)
    time_machine.shift(timedelta(days=6, hours=23))
    post_on_commit("/members/signup/", {"email": "later@example.com"})  # a live link again
    time_machine.shift(timedelta(hours=2))

    from members.tasks import delete_unconfirmed_signups as task

    assert task.apply().result == 1
    left = set(Member.objects.values_list("email", flat=True))
    # The one asked again still has a link that works; an editor's pending member stays.
    assert left == {"later@example.com", "editor-made@example.com"}
    assert [e for e, _ in events()] == ["member.created"]  # the editor's; no member.deleted

    time_machine.shift(timedelta(days=2))
    assert delete_unconfirmed_signups() == 1
    assert set(Member.objects.values_list("email", flat=True)) == {"editor-made@example.com"}


def test_a_confirmed_or_recent_sign_up_is_kept(client, smtp, post_on_commit, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    post_on_commit("/members/signup/", {"email": "kept@example.com"})
    post_on_commit(last_link_to(smtp, "kept@example.com"))
    post_on_commit("/members/signup/", {"email": "recent@example.com"})
    time_machine.shift(timedelta(days=30))
    Member.objects.filter(email="recent@example.com").update(created_at=timezone.now())
    assert delete_unconfirmed_signups() == 0
    assert Member.objects.count() == 2


@pytest.mark.parametrize(
    ("typed", "mailbox"),
    [
        ("Victim@Example.com", "victim@example.com"),
        ("victim+1@example.com", "victim@example.com"),
        ("victim+a+b@example.com", "victim@example.com"),
        ("v.i.c.t.i.m+x@gmail.com", "victim@gmail.com"),
        ("vic.tim@googlemail.com", "victim@gmail.com"),
        ("vic.tim@example.com", "vic.tim@example.com"),  # dots matter elsewhere
    ],
)
def test_the_address_limit_counts_mailboxes(typed, mailbox):
    assert mailbox_key(typed) == mailbox


def test_plus_variants_share_the_address_limit_and_are_stored_as_typed(
    client, smtp, post_on_commit, settings
):
    assert settings.MEMBERS_MAILS_PER_ADDRESS_PER_HOUR == 5
    for n in range(5):
        address = f"victim+{n}@example.com"
        assert post_on_commit("/members/signup/", {"email": address}).status_code == 303
    assert post_on_commit("/members/signup/", {"email": "victim+5@example.com"}).status_code == 429
    assert post_on_commit("/members/signup/", {"email": "Victim@example.com"}).status_code == 429
    assert len(smtp.messages) == 5
    assert set(Member.objects.values_list("email", flat=True)) == {
        f"victim+{n}@example.com" for n in range(5)
    }


@pytest.mark.parametrize(
    ("ip", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
    ],
)
def test_ipv6_clients_are_counted_by_their_64(ip, key):
    assert client_key(ip) == key


def test_a_client_cannot_dodge_its_limit_by_changing_its_ipv6_address(
    client, smtp, post_on_commit, settings
):
    assert settings.MEMBERS_MAILS_PER_CLIENT_PER_HOUR == 20
    for n in range(20):
        response = post_on_commit(
            "/members/signup/", {"email": f"r{n}@example.com"}, REMOTE_ADDR=f"2001:db8::{n:x}"
        )
        assert response.status_code == 303
    refused = post_on_commit(
        "/members/signup/", {"email": "r99@example.com"}, REMOTE_ADDR="2001:db8::ffff:1"
    )
    assert refused.status_code == 429
    other = post_on_commit(
        "/members/signup/", {"email": "r99@example.com"}, REMOTE_ADDR="2001:db8:0:1::1"
    )
    assert other.status_code == 303  # the next /64 is someone else


def test_the_typed_name_waits_for_the_owner_to_confirm(client, smtp, post_on_commit):
    post_on_commit("/members/signup/", {"email": "owner@example.com", "name": "Not Me"})
    member = Member.objects.get()
    assert member.name == ""  # nothing from a stranger on the member
    assert SignInLink.objects.get().name == "Not Me"

    # The owner asks again, with their own name, and confirms with their own mail.
    smtp.clear()
    post_on_commit("/members/signup/", {"email": "owner@example.com", "name": "Owner"})
    post_on_commit(last_link_to(smtp, "owner@example.com"))
    member.refresh_from_db()
    assert (member.status, member.name) == (Member.Status.ACTIVE, "Owner")


def test_a_confirmation_never_renames_a_member_who_has_a_name(client, smtp, post_on_commit):
    post_on_commit("/members/signup/", {"email": "named@example.com", "name": "First"})
    Member.objects.filter(email="named@example.com").update(name="Chosen")
    post_on_commit(last_link_to(smtp, "named@example.com"))
    assert Member.objects.get().name == "Chosen"


def test_an_active_members_sign_up_never_carries_a_name(client, smtp, post_on_commit, member):
    post_on_commit("/members/signup/", {"email": member.email, "name": "Mallory"})
    link = SignInLink.objects.get()
    assert (link.purpose, link.name) == (SignInLink.Purpose.SIGN_IN, "")
    post_on_commit(last_link_to(smtp, member.email))
    member.refresh_from_db()
    assert member.name == "Ada"
