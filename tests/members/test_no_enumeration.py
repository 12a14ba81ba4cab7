"""The same answer whoever the address belongs to: status, body and one mail each."""

from __future__ import annotations

import pytest

from members.models import Member, SignInLink
from members.services import create_member

pytestmark = pytest.mark.django_db

PER_REQUEST = {"Content-Length", "ETag", "X-Request-ID"}


@pytest.fixture
def addresses(db):
    create_member(email="active@example.com", source=Member.Source.ADMIN, confirmed=True)
    create_member(email="pending@example.com", source=Member.Source.SIGNUP, confirmed=False)
    return {
        "active": "active@example.com",
        "pending": "pending@example.com",
        "unknown": "x@example.com",
    }


def normalised(body: bytes, address: str) -> bytes:
    return body.replace(address.encode(), b"ADDRESS")


@pytest.mark.parametrize("url", ["/members/signup/", "/members/signin/"])
def test_known_pending_and_unknown_addresses_get_the_same_answer(
    client, smtp, post_on_commit, addresses, url
):
    answers = {}
    for kind, address in addresses.items():
        response = post_on_commit(url, {"email": address})
        answers[kind] = (
            response.status_code,
            # The length and the ETag follow the body, which names the address typed; the
            # request id is each request's own.
            sorted((k, v) for k, v in response.items() if k not in PER_REQUEST),
            normalised(response.content, address),
        )
    assert answers["active"] == answers["pending"] == answers["unknown"]
    assert answers["unknown"][0] == 200

    # Each got one mail: a sign-in link for the member, a (fresh) confirmation otherwise.
    assert smtp.rcpt_counts() == {address: 1 for address in addresses.values()}
    assert smtp.to("active@example.com")[0]["Subject"].startswith("Your sign-in link")
    assert smtp.to("pending@example.com")[0]["Subject"].startswith("Confirm")
    assert smtp.to("x@example.com")[0]["Subject"].startswith("Confirm")
    purposes = dict(SignInLink.objects.values_list("email", "purpose"))
    assert purposes == {
        "active@example.com": "sign_in",
        "pending@example.com": "confirm",
        "x@example.com": "confirm",
    }
    # A sign-up never changes an existing member (whoever typed the address).
    assert Member.objects.get(email="active@example.com").name == ""


def test_a_sign_up_never_renames_an_existing_member(client, post_on_commit):
    create_member(email="ada@example.com", name="Ada", source="admin", confirmed=True)
    post_on_commit("/members/signup/", {"email": "ada@example.com", "name": "Mallory"})
    assert Member.objects.get().name == "Ada"
