"""Profiles: every staff user edits their own public profile, editors edit writers'.

The server decides for every object (`accounts.roles.can_edit_profile`): a writer's form
has names and bio only; nobody reaches roles, flags or passwords through it.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("admin:accounts_profile")


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


@pytest.mark.parametrize("role", ["contributor", "author", "editor"])
def test_every_writer_edits_their_own_profile(client_for, role, request):
    user = request.getfixturevalue(role)
    client = client_for(user)
    index = client.get(reverse("admin:index")).content.decode()
    assert f'href="{PROFILE}">My profile</a>' in index
    # Their own user page is their profile page (it was a 403 for writers).
    assert client.get(change_url(user))["Location"] == PROFILE
    page = client.get(PROFILE).content.decode()
    assert 'name="bio"' in page and 'name="display_name"' in page
    assert "is_superuser" not in page and "groups" not in page and "is_staff" not in page

    response = client.post(
        PROFILE,
        {"display_name": "Ines Ortega", "first_name": "Ines", "last_name": "O", "bio": "Tides."},
    )
    assert response.status_code == 302 and response["Location"] == PROFILE
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Ines Ortega", "Tides.")
    assert "Your profile is saved" in client.get(PROFILE).content.decode()


def test_the_profile_form_changes_nothing_but_the_profile(client_for, contributor):
    client_for(contributor).post(
        PROFILE,
        {
            "display_name": "C",
            "bio": "",
            "is_superuser": "on",
            "is_staff": "on",
            "username": "root",
            "email": "x@example.com",
            "groups": "3",
        },
    )
    contributor.refresh_from_db()
    assert contributor.display_name == "C"
    assert not contributor.is_superuser and contributor.username == "contributor"
    assert contributor.email != "x@example.com"
    assert list(contributor.groups.values_list("name", flat=True)) == ["Contributor"]


def test_a_new_bio_reaches_the_author_card_and_author_page(
    client_for, author, client, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author)
    client.get(post.get_absolute_url())  # cached by now, with the old card
    with django_capture_on_commit_callbacks(execute=True):
        client_for(author).post(PROFILE, {"display_name": "Ada Quill", "bio": "Writes on rivers."})
    client.logout()
    card = client.get(post.get_absolute_url()).content.decode()
    card = card[card.index('class="author-card"') :]
    assert "Ada Quill" in card and "Writes on rivers." in card
    page = client.get(reverse("blog:author", args=[author.username])).content.decode()
    assert "Writes on rivers." in page


def test_an_editor_edits_a_writers_public_profile(client_for, editor, contributor):
    client = client_for(editor)
    page = client.get(change_url(contributor)).content.decode()
    assert 'name="bio"' in page and 'name="display_name"' in page
    # Read only for editors: who the writer is, and whether the account is active.
    assert 'name="username"' not in page and 'name="email"' not in page
    assert 'name="is_active"' not in page and "Password" not in page
    response = client.post(
        change_url(contributor),
        {"display_name": "Cy Rowe", "first_name": "", "last_name": "", "bio": "Cycling."},
    )
    assert response.status_code == 302
    contributor.refresh_from_db()
    assert (contributor.display_name, contributor.bio, contributor.is_active) == (
        "Cy Rowe",
        "Cycling.",
        True,
    )


def test_editors_do_not_edit_a_superusers_profile(client_for, editor, admin_user):
    client = client_for(editor)
    page = client.get(change_url(admin_user)).content.decode()
    assert 'name="bio"' not in page  # read only
    response = client.post(change_url(admin_user), {"display_name": "Pwned", "bio": "x"})
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.display_name != "Pwned"


def test_editors_cannot_set_anyones_password(client_for, editor, contributor, admin_user):
    """Profile rights are not account rights: Django's "set password" form (no old
    password asked) stays the superuser's; an editor's own goes through the change form."""
    client = client_for(editor)
    for target in (contributor, admin_user):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        assert client.get(url).status_code == 403
        form = {"password1": "A-new-Passw0rd-123", "password2": "A-new-Passw0rd-123"}
        assert client.post(url, form).status_code == 403
        target.refresh_from_db()
        assert not target.check_password("A-new-Passw0rd-123")
    own = client.get(reverse("admin:auth_user_password_change", args=[editor.pk]))
    assert own.status_code == 302 and own.url == reverse("admin:password_change")


@pytest.mark.parametrize("role", ["contributor", "author"])
def test_writers_cannot_see_or_edit_another_user(client_for, role, request, other_author):
    client = client_for(request.getfixturevalue(role))
    assert client.get(change_url(other_author)).status_code == 403
    response = client.post(change_url(other_author), {"display_name": "X", "bio": "X"})
    assert response.status_code == 403
    other_author.refresh_from_db()
    assert other_author.display_name != "X"
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_a_signed_out_visitor_gets_the_login_page(client):
    response = client.get(PROFILE)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def picture(size=(800, 600), kind="PNG", colour=(200, 40, 40)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return SimpleUploadedFile(f"me.{kind.lower()}", out.getvalue())


def test_a_writer_uploads_an_avatar_shown_on_their_card(
    client_for, author, client, django_capture_on_commit_callbacks
):
    post = PostFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(author).post(
            PROFILE, {"display_name": "Ada", "bio": "", "avatar": picture()}
        )
    assert response.status_code == 302
    author.refresh_from_db()
    # Stored re-encoded: a 256-pixel square JPEG named after its content.
    assert re.fullmatch(r"avatars/[0-9a-f]{24}\.jpg", author.avatar.name)
    with Image.open(author.avatar.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (256, 256))
    client.logout()
    card = client.get(post.get_absolute_url()).content.decode()
    assert f'<img class="avatar" src="{author.avatar.url}"' in card
    page = client.get(reverse("blog:author", args=[author.username])).content.decode()
    assert f'src="{author.avatar.url}"' in page

    # Cleared: gone from the card.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(author).post(PROFILE, {"display_name": "Ada", "bio": "", "avatar-clear": "on"})
    author.refresh_from_db()
    assert not author.avatar
    client.logout()
    assert 'class="avatar"' not in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("me.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        "gif",
        "huge",
    ],
)
def test_avatars_that_are_not_small_jpeg_png_or_webp_are_refused(client_for, author, upload):
    if upload == "gif":
        upload = picture(kind="GIF")
    elif upload == "huge":
        upload = picture(size=(5000, 4000), kind="PNG")
    response = client_for(author).post(PROFILE, {"display_name": "A", "avatar": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "JPEG, PNG or WebP" in html or "Upload a valid image" in html
    author.refresh_from_db()
    assert not author.avatar


def test_an_editor_sets_a_writers_avatar_re_encoded(client_for, editor, contributor):
    response = client_for(editor).post(
        change_url(contributor),
        {"display_name": "", "bio": "", "avatar": picture(size=(300, 900), kind="WEBP")},
    )
    assert response.status_code == 302
    contributor.refresh_from_db()
    with Image.open(contributor.avatar.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (256, 256))
