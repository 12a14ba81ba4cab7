"""Sign-up with double opt-in: the mail arrives at a real SMTP server, its link confirms."""

from __future__ import annotations

import pytest

from members import events
from members.models import Member, SignInLink
from tests.members.conftest import last_link_to, newsletter

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """`received(signal)`: the list of addresses of the members it is sent with."""
    connected = []

    def listen(signal):
        addresses = []

        def receiver(sender, member, **kwargs):
            addresses.append(member.email)

        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))
        return addresses

    yield listen
    for signal, receiver in connected:
        signal.disconnect(receiver)


def test_a_reader_signs_up_confirms_by_the_mailed_link_and_is_signed_in(
    client, smtp, post_on_commit, settings, received
):
    settings.DEFAULT_FROM_EMAIL = "Whatever <news@example.org>"
    weekly = newsletter("Weekly", subscribe_by_default=True)
    newsletter("Extra", subscribe_by_default=False)
    newsletter("Archived", subscribe_by_default=True, active=False)
    created, confirmed = received(events.member_created), received(events.member_confirmed)
    answer = post_on_commit("/members/signup/", {"email": " Grace@Example.COM ", "name": "Grace"})
    assert answer.status_code == 303  # Post/Redirect/Get: a reload sends nothing
    inbox = client.get(answer["Location"]).content.decode()
    assert "Check your inbox" in inbox and "grace@example.com" in inbox
    member = Member.objects.get()
    # Pending and nameless: the typed name waits on the link until the owner confirms,
    # and nobody is told of an address someone typed (`member_created` on confirmation).
    assert (member.email, member.name, member.status) == ("grace@example.com", "", "pending")
    assert created == [] and confirmed == []

    smtp.wait_for_count(1)
    mail = smtp.to("grace@example.com")[0]
    # The typed name is not repeated to the address: a stranger's words in our mail.
    assert "Grace" not in mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["Subject"] == "Confirm your e-mail address for Broadsheet"
    assert mail["From"].addresses[0].display_name == "Broadsheet"
    assert mail["From"].addresses[0].addr_spec == "news@example.org"
    link = last_link_to(smtp, "grace@example.com")
    assert SignInLink.objects.get().token_hash not in link  # only the hash is stored

    # The GET shows a button; a mail scanner fetching it confirms nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    member.refresh_from_db()
    assert member.status == "pending"

    done = post_on_commit(link)
    assert done.status_code == 302 and done["Location"] == "/members/account/"
    member.refresh_from_db()
    assert member.status == "active" and member.confirmed_at is not None
    assert member.name == "Grace"
    assert created == confirmed == ["grace@example.com"]
    assert list(member.newsletters.values_list("name", flat=True)) == [weekly.name]
    account = client.get("/members/account/")
    assert account.status_code == 200
    assert "Signed in as <strong>grace@example.com</strong>" in account.content.decode()


def test_a_bad_address_gets_the_form_again_and_no_mail(client, smtp):
    answer = client.post("/members/signup/", {"email": "not an address"})
    assert answer.status_code == 400
    assert "Enter a valid email address" in answer.content.decode()
    assert not Member.objects.exists() and smtp.messages == []


@pytest.mark.parametrize("url", ["/members/signup/", "/members/signin/"])
@pytest.mark.parametrize("address", ["user@[127.0.0.1]", "a@localhost", "a@b.c0"])
def test_the_forms_take_the_addresses_the_api_and_the_import_take(client, smtp, url, address):
    """One rule (`newsletters.addresses`): Django's EmailField would take these."""
    from newsletters.addresses import is_valid_email

    assert not is_valid_email(address)
    answer = client.post(url, {"email": address})
    assert answer.status_code == 400
    assert "Enter a valid email address" in answer.content.decode()
    assert not Member.objects.exists() and smtp.messages == []


def test_the_members_page_says_what_members_get_and_has_the_form(client):
    newsletter("The Morning Lamp", description="Every post, the morning after.")
    page = client.get("/members/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "Become a member" in html and "The Morning Lamp" in html
    assert 'action="/members/signup/"' in html and 'name="name"' in html
    assert 'class="footer-signup"' not in html  # one sign-up form on its own page
    assert client.get("/members/signup/").status_code == 302


def test_sign_in_of_an_unknown_address_is_a_sign_up(client, smtp, post_on_commit):
    answer = post_on_commit("/members/signin/", {"email": "new@example.com"})
    assert answer.status_code == 303
    assert "Check your inbox" in client.get(answer["Location"]).content.decode()
    assert Member.objects.get().status == "pending"
    assert smtp.to("new@example.com")[0]["Subject"].startswith("Confirm")
