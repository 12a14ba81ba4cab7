"""`next`: the comments send readers to sign in with `?next=<post>#comments`; after the
e-mailed link they land there, never on another site."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from members.models import Member
from tests.members.conftest import LINK

pytestmark = pytest.mark.django_db

POST = "/2026/05/a-post/#comments"


def mailed_link(smtp, address: str) -> str:
    """The whole link of the last mail to `address`, query string included."""
    text = smtp.to(address)[-1].get_body(preferencelist=("plain",)).get_content()
    [line] = [line for line in text.splitlines() if LINK.search(line)]
    return line.strip().removeprefix("http://testserver")


def test_signing_in_from_a_post_comes_back_to_its_comments(client, smtp, member, post_on_commit):
    page = client.get(f"/members/signin/?next={quote(POST, safe='/')}")
    assert f'name="next" value="{POST}"' in page.content.decode()
    post_on_commit("/members/signin/", {"email": member.email, "next": POST})
    link = mailed_link(smtp, member.email)
    assert link.endswith("?next=" + quote(POST, safe=""))

    button = client.get(link)
    assert f'name="next" value="{POST}"' in button.content.decode()
    signed_in = post_on_commit(link, {"next": POST})
    assert signed_in.status_code == 302 and signed_in["Location"] == POST
    assert client.get("/members/account/").status_code == 200


def test_signing_up_from_a_post_comes_back_to_its_comments(client, smtp, post_on_commit):
    page = client.get(f"/members/?next={quote(POST, safe='/')}")  # the thread's "Sign up"
    assert f'name="next" value="{POST}"' in page.content.decode()
    post_on_commit("/members/signup/", {"email": "new@example.com", "next": POST})
    link = mailed_link(smtp, "new@example.com")
    confirmed = post_on_commit(link)
    assert confirmed.status_code == 302 and confirmed["Location"] == POST
    assert Member.objects.get().status == Member.Status.ACTIVE
    # A refused sign-up keeps it in the form it shows again.
    refused = client.post("/members/signup/", {"email": "not an address", "next": POST})
    assert refused.status_code == 400 and f'name="next" value="{POST}"' in refused.content.decode()


def test_a_signed_in_member_asked_to_sign_up_goes_straight_to_next(member_client):
    response = member_client.get(f"/members/?next={quote(POST, safe='/')}")
    assert response.status_code == 302 and response["Location"] == POST


def test_a_confirmation_goes_to_next_too(client, smtp, post_on_commit):
    post_on_commit("/members/signin/", {"email": "new@example.com", "next": POST})
    link = mailed_link(smtp, "new@example.com")
    confirmed = post_on_commit(link)  # the query string alone carries it
    assert confirmed.status_code == 302 and confirmed["Location"] == POST
    assert Member.objects.get().status == Member.Status.ACTIVE


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_next_never_leads_to_another_site(client, smtp, member, post_on_commit, evil):
    page = client.get(f"/members/signin/?next={quote(evil, safe='')}")
    assert 'name="next"' not in page.content.decode()
    post_on_commit("/members/signin/", {"email": member.email, "next": evil})
    link = mailed_link(smtp, member.email)
    assert "next=" not in link  # dropped when asked for

    # A link with `next` written by hand (the token is the reader's own) is checked too.
    signed_in = post_on_commit(f"{link}?next={quote(evil, safe='')}", {"next": evil})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/members/account/"


def test_a_signed_in_reader_asked_to_sign_in_goes_straight_to_next(member_client, member):
    response = member_client.get(f"/members/signin/?next={quote(POST, safe='/')}")
    assert response.status_code == 302 and response["Location"] == POST
    evil = member_client.get("/members/signin/?next=https://evil.example/")
    assert evil["Location"] == "/members/account/"
