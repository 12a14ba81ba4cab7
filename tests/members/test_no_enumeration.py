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
        # A 303 to "Check your inbox", the address typed signed in its query string (the
        # signature holds a timestamp): the same place for every kind of address.
        where = response["Location"].partition("?")[0]
        page = client.get(response["Location"])
        answers[kind] = (
            response.status_code,
            where,
            # The length and the ETag follow the body, which names the address typed; the
            # request id is each request's own.
            sorted((k, v) for k, v in response.items() if k not in {*PER_REQUEST, "Location"}),
            page.status_code,
            sorted((k, v) for k, v in page.items() if k not in PER_REQUEST),
            normalised(page.content, address),
        )
    assert answers["active"] == answers["pending"] == answers["unknown"]
    assert answers["unknown"][:2] == (303, "/members/check-inbox/")

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


def request_queries(client, address: str, url: str = "/members/signup/") -> list[str]:
    """The SQL the request itself runs (its own connection: not the mail task's)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, {"email": address}).status_code == 303
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("url", ["/members/signup/", "/members/signin/"])
def test_the_request_does_the_same_queries_for_every_kind_of_address(
    client, addresses, django_capture_on_commit_callbacks, url
):
    request_queries(client, "warm-up@example.com", url)  # the footer's cached parts
    done = {}
    for kind, address in addresses.items():
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            done[kind] = request_queries(client, address, url)
        assert len(callbacks) == 1  # the mail task, after the commit
    assert len(done["active"]) == len(done["pending"]) == len(done["unknown"])
    assert done["active"] == done["pending"] == done["unknown"]


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_mail_is_sent_after_the_request_not_in_it(client, smtp, settings):
    """`make run` (tasks in-process): the task runs in a thread of its own after the
    commit, so a new address (a member row made, maybe webhooks) costs the request no
    more than a known one; each still gets its one mail."""
    import threading

    settings.MEMBERS_LINK_MAIL_IN_BACKGROUND = True
    create_member(email="active@example.com", source=Member.Source.ADMIN, confirmed=True)
    create_member(email="pending@example.com", source=Member.Source.SIGNUP, confirmed=False)
    request_queries(client, "warm-up@example.com")  # the footer's cached parts
    smtp.wait_for_count(1)
    done = {}
    for address in ["active@example.com", "pending@example.com", "x@example.com"]:
        done[address] = request_queries(client, address)
        assert not [sql for sql in done[address] if "members_" in sql]
    assert len(set(map(len, done.values()))) == 1
    smtp.wait_for_count(4)
    for thread in threading.enumerate():
        if thread.name.startswith("members.tasks.mail_link"):
            thread.join(timeout=20)
    assert smtp.rcpt_counts() == {"warm-up@example.com": 1, **{address: 1 for address in done}}
    assert Member.objects.filter(email="x@example.com", status="pending").exists()
    assert SignInLink.objects.count() == 4
