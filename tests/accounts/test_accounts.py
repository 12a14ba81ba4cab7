"""Users: case-insensitive unique email, auth pages in the site's layout, roles exist."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_ignoring_case():
    UserFactory(email="Ada@Example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ada@example.com")


def test_roles_exist_with_their_permissions():
    perms = {g.name: {p.codename for p in g.permissions.all()} for g in Group.objects.all()}
    assert "publish_post" not in perms["Contributor"]
    assert "publish_post" in perms["Author"] and "edit_any_post" not in perms["Author"]
    assert {"publish_post", "edit_any_post", "add_category", "add_tag"} <= perms["Editor"]


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/password/reset/", "/accounts/password/reset/done/"]
)
def test_auth_pages_use_site_layout(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert b'class="site-header"' in response.content


def test_login_and_logout(client):
    UserFactory(username="ada", password="correct-horse-battery")
    response = client.post(
        "/accounts/login/", {"username": "ada", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    signed_in = client.get("/").content.decode().split("</header>")[0]
    assert "Log out</button>" in signed_in and "Sign in</a>" not in signed_in
    client.post("/accounts/logout/")
    signed_out = client.get("/").content.decode().split("</header>")[0]
    # Readers' header offers the members' sign-in; staff log in at /admin/ (issue 31).
    assert "Sign in</a>" in signed_out and "Log out</button>" not in signed_out


def test_login_refuses_offsite_redirect(client):
    UserFactory(username="ada", password="correct-horse-battery")
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "ada", "password": "correct-horse-battery", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_password_reset_does_not_reveal_accounts(client):
    UserFactory(email="known@example.com")
    known = client.post("/accounts/password/reset/", {"email": "known@example.com"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1


def test_password_change_requires_login(client):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
