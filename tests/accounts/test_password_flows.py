"""The password pages: the admin's "forgot password" link and flow, where an invited
writer lands, the reset limits, and the site's name (not the host) on every page."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from accounts.invites import set_password_link
from accounts.views import RESETS_PER_ADDRESS, RESETS_PER_EMAIL
from sitesettings.models import SiteSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "tidal-lantern-4471"


def open_link(client, link: str):
    """The mailed link asks for a password (Django redirects to a session-bound URL)."""
    page = client.get(urlsplit(link).path, follow=True)
    return page, page.redirect_chain[-1][0]


def test_admin_login_offers_forgot_password_and_the_flow_works(client, editor):
    login = client.get(reverse("admin:login")).content.decode()
    link = reverse("admin_password_reset")
    assert f'href="{link}"' in login and "Forgotten your login credentials?" in login

    assert client.get(link).status_code == 200
    response = client.post(link, {"email": editor.email.upper()})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert message.to == [editor.email] and "Password reset" in message.subject
    mailed = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)

    page, form_url = open_link(client, mailed)
    assert "Choose a new password" in page.content.decode()
    done = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done["Location"] == reverse("admin:index")  # staff land where they write
    assert "Your password is set" in client.get(done["Location"]).content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


def test_admin_reset_does_not_reveal_accounts(client, editor):
    link = reverse("admin_password_reset")
    known = client.post(link, {"email": editor.email})
    unknown = client.post(link, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert client.get(known["Location"]).content == client.get(unknown["Location"]).content
    assert len(mail.outbox) == 1


def test_reset_mails_are_limited_per_address_and_per_email(client):
    victim = UserFactory(email="victim@example.com")
    for _ in range(RESETS_PER_EMAIL + 2):
        response = client.post("/accounts/password/reset/", {"email": victim.email})
        assert response.status_code == 302  # the same answer, sent or not
    assert len(mail.outbox) == RESETS_PER_EMAIL

    others = [UserFactory(email=f"u{i}@example.com") for i in range(RESETS_PER_ADDRESS)]
    mail.outbox.clear()
    for user in others:
        client.post("/accounts/password/reset/", {"email": user.email})
    # The address spent RESETS_PER_EMAIL + 2 already: its remaining allowance only.
    assert len(mail.outbox) == max(0, RESETS_PER_ADDRESS - (RESETS_PER_EMAIL + 2))
    # Another address is not held back by this one.
    fresh = client.post(
        "/accounts/password/reset/", {"email": others[0].email}, REMOTE_ADDR="192.0.2.9"
    )
    assert fresh.status_code == 302 and len(mail.outbox) == 1 + max(
        0, RESETS_PER_ADDRESS - (RESETS_PER_EMAIL + 2)
    )


def test_an_invited_writer_chooses_a_password_and_lands_in_the_admin(client, contributor):
    contributor.set_unusable_password()
    contributor.save()
    page, form_url = open_link(client, set_password_link(contributor))
    html = page.content.decode()
    assert "<h1>Choose a password</h1>" in html and "new password" not in html
    done = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done["Location"] == "/admin/"
    admin = client.get("/admin/").content.decode()
    assert "Your password is set and you are logged in." in admin
    assert client.get(reverse("admin:blog_post_add")).status_code == 200


def test_a_reader_resetting_is_logged_in_on_the_site(client):
    reader = UserFactory(email="reader@example.com", password="old-password-x1")
    page, form_url = open_link(client, set_password_link(reader))
    assert "<h1>Choose a new password</h1>" in page.content.decode()
    done = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    assert "you are logged in" in client.get(done["Location"]).content.decode()


def test_staff_logging_in_on_the_site_without_next_land_in_the_admin(client):
    UserFactory(username="ed", password=PASSWORD, is_staff=True)
    response = client.post("/accounts/login/", {"username": "ed", "password": PASSWORD})
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/reset/done/",
        "/admin/password_reset/",
    ],
)
def test_auth_pages_name_the_site_not_the_host(client, settings, url):
    SiteSettings.objects.filter(pk=1).update(name="The Tidewater Ledger")  # as saved in the admin
    html = client.get(url, HTTP_HOST="localhost").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "The Tidewater Ledger" in title and "localhost" not in title
    assert '<a class="brand" href="/">The Tidewater Ledger</a>' in html
