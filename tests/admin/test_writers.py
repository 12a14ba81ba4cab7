"""Writers: an editor invites one in one screen; the link sets a password; roles recorded."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.roles import role_of

pytestmark = pytest.mark.django_db


def test_editor_invites_a_writer_who_sets_a_password_and_logs_in(
    client, client_for, editor, django_capture_on_commit_callbacks
):
    admin_client = client_for(editor)
    listing = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "Invite a writer" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_invite"),
            {"email": "Nell@Example.com", "display_name": "Nell Navarro", "role": "Author"},
        )
    assert response.status_code == 302
    nell = User.objects.get(email="Nell@Example.com")
    assert (nell.username, nell.is_staff, role_of(nell)) == ("nell", True, "Author")
    assert not nell.has_usable_password()
    assert LogEntry.objects.filter(object_id=str(nell.pk), change_message="Invited as Author")

    message = mail.outbox[-1]
    assert message.to == ["Nell@Example.com"] and "invited" in message.subject
    link = re.search(r"http://\S+/accounts/reset/\S+/", message.body).group(0)
    admin_client.logout()

    # The link asks for a password (Django redirects to a session-bound URL first).
    page = client.get(urlsplit(link).path, follow=True)
    form_url = page.redirect_chain[-1][0]
    pw = "tidal-lantern-4471"
    done = client.post(form_url, {"new_password1": pw, "new_password2": pw})
    assert done.status_code == 302
    login = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": "nell", "password": pw}
    )
    assert login.status_code == 302 and login.url == "/admin/"
    assert client.get(reverse("admin:blog_post_add")).status_code == 200  # staff by role


def test_duplicate_email_is_refused(client_for, editor, author):
    response = client_for(editor).post(
        reverse("admin:accounts_invite"), {"email": author.email.upper(), "role": "Author"}
    )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()


def test_writers_cannot_invite_or_see_users(client_for, author):
    client = client_for(author)
    assert client.get(reverse("admin:accounts_invite")).status_code == 403
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert "Users" not in index


def test_role_change_is_recorded_and_sets_staff(client_for, editor, contributor):
    client = client_for(editor)
    url = reverse("admin:accounts_user_role", args=[contributor.pk])
    client.post(url, {"role": "Editor"})
    contributor.refresh_from_db()
    assert role_of(contributor) == "Editor" and contributor.is_staff
    client.post(url, {"role": ""})
    contributor.refresh_from_db()
    assert role_of(contributor) == "" and not contributor.is_staff
    messages = list(
        LogEntry.objects.filter(object_id=str(contributor.pk))
        .order_by("pk")
        .values_list("change_message", flat=True)
    )
    assert messages == [
        "Role changed from Contributor to Editor",
        "Role changed from Editor to none",
    ]


def test_editors_do_not_manage_superusers(client_for, editor, admin_user):
    response = client_for(editor).post(
        reverse("admin:accounts_user_role", args=[admin_user.pk]), {"role": ""}
    )
    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.is_staff


def test_editors_see_writers_but_not_credentials(client_for, editor, author):
    page = client_for(editor).get(reverse("admin:accounts_user_change", args=[author.pk]))
    html = page.content.decode()
    assert "Change role" in html
    assert "Superuser status" not in html and "Password" not in html
