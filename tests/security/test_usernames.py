"""Issue 26, finding 6: usernames are validated everywhere an account is made, and any
stored username (even one from before the rule) leaves every reader page working."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from accounts.invites import writer_invite
from accounts.models import User
from accounts.usernames import username_free
from tests.factories import AuthorFactory, PostFactory
from tests.transfer.conftest import FIXTURES

pytestmark = pytest.mark.django_db

HOSTILE = {
    "slash": "ev/il",
    "zero-width space": "ad\u200bmin",
    "zero-width joiner": "admin\u200d",
    "right-to-left override": "\u202eadmin",
    "hangul filler": "admin\u3164",
    "html": "<b>boss</b>",
    "quote": 'a"b',
    "space": "two words",
}


def _invite(client, username: str):
    return client.post(
        reverse("admin:accounts_invite"),
        {"email": "new@example.com", "username": username, "role": "Author"},
    )


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_invite_screen_refuses_a_hostile_username(client_for, editor, name):
    response = _invite(client_for(editor), name)
    assert response.status_code == 200  # the form again, with the reason
    assert not User.objects.filter(email="new@example.com").exists()
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_invite_service_refuses_a_hostile_username(name):
    with pytest.raises(ValidationError):
        writer_invite(email="new@example.com", username=name, display_name="", role="Author")
    assert not User.objects.filter(email="new@example.com").exists()


def test_an_invited_username_is_normalised_like_django_forms_do(client_for, editor):
    assert (
        _invite(client_for(editor), "\uff45\uff56\uff45").status_code == 302
    )  # full-width letters
    assert User.objects.get(email="new@example.com").username == "eve"


def test_the_admin_add_user_form_refuses_an_invisible_character(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "admin\u200b",
            "email": "z@example.com",
            "password1": "tidal-lantern-4471",
            "password2": "tidal-lantern-4471",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="z@example.com").exists()


def test_names_made_up_for_imports_and_invites_are_valid_and_free():
    AuthorFactory(username="ev")
    assert username_free("ev/il\u200b<>") == "evil"
    assert username_free("EV", sep="-") == "EV-2"  # taken, ignoring case
    assert username_free("\u3164\u200b", fallback="Alice Archer") == "AliceArcher"
    assert username_free("///") == "writer"


def test_an_import_makes_a_valid_username(tmp_path):
    source = (FIXTURES / "wordpress.xml").read_text(encoding="utf-8")
    hostile = source.replace("<![CDATA[alice]]>", "<![CDATA[al/ice\u200b]]>")
    path = tmp_path / "hostile.xml"
    path.write_text(hostile, encoding="utf-8")
    call_command("import_wordpress", str(path), "--json", stdout=io.StringIO())
    assert User.objects.filter(username="alice").exists()
    for user in User.objects.all():
        assert "/" not in user.username and "\u200b" not in user.username


@pytest.fixture
def stored_slash_author():
    """An account from before the rule: a `/` in its username, with one public post."""
    writer = AuthorFactory()
    User.objects.filter(pk=writer.pk).update(username="ev/il")  # past any validation
    writer.refresh_from_db()
    return writer, PostFactory(author=writer, title="Slashed byline", body="needle text")


@pytest.mark.parametrize(
    "path", ["/", "/posts/", "/search/?q=needle", "/sitemap.xml", "/api/authors/"]
)
def test_a_stored_username_with_a_slash_breaks_no_reader_page(client, stored_slash_author, path):
    response = client.get(path)
    if (
        path == "/sitemap.xml"
        and response.status_code == 200
        and b"<sitemapindex" in (response.content)
    ):
        for section in response.content.decode().split("<loc>")[1:]:
            location = section.split("</loc>")[0].split("://", 1)[1].split("/", 1)[1]
            assert client.get("/" + location).status_code == 200
    assert response.status_code == 200


def test_a_stored_username_with_a_slash_has_a_working_author_page(client, stored_slash_author):
    _writer, post = stored_slash_author
    page = client.get(post.get_absolute_url())
    assert page.status_code == 200
    assert 'href="/author/ev/il/"' in page.content.decode()
    assert client.get("/author/ev/il/").status_code == 200
    assert client.get("/api/authors/ev/il/").json()["username"] == "ev/il"
    assert client.get("/author/ev%00il/").status_code == 404
