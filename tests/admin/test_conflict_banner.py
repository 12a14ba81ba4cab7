"""A save refused because someone saved in between says what happened and what differs,
not "Please correct the error below." (the writer made no error)."""

import pytest
from django.urls import reverse

from tests.admin.test_states import change_url, form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_the_banner_names_who_saved_when_and_what_differs(client, client_for, author, editor):
    post = PostFactory(
        author=author, draft=True, title="Tide tables", body="Low at six.\nHigh at noon."
    )
    mine = form(post, body="Low at six.\nHigh at half past twelve.", _action="draft")
    theirs = form(post, title="Tide tables (checked)", author=author.pk, _action="draft")
    assert client_for(editor).post(change_url(post), theirs).status_code == 302
    client.logout()

    response = client_for(author).post(change_url(post), mine)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please correct the error" not in html
    banner = html[html.index('class="errornote conflict-banner"') : html.index("</details>")]
    assert f"{editor.public_name} saved this post at" in banner
    assert "while you were editing" in banner and "your changes were not saved" in banner
    assert "Their version and yours differ in: Title, Body." in banner
    assert "Tide tables (checked)" in banner  # their title beside the writer's
    assert '<span class="diff-line removed">\u2212 High at noon.</span>' in banner
    assert '<span class="diff-line added">+ High at half past twelve.</span>' in banner
    assert "Low at six." not in banner  # unchanged lines are left out
    history = reverse("admin:blog_post_history", args=[post.pk])
    assert f'href="{history}"' in html  # every version, to compare
    assert 'class="errorlist nonfield"' not in html  # said once, in the banner
    # The writer's text is still in the form.
    assert response.context["adminform"].form["body"].value().endswith("half past twelve.")


def test_a_real_error_besides_the_conflict_keeps_the_usual_note(client_for, author):
    post = PostFactory(author=author, draft=True)
    stale = form(post, title="", _action="draft", version="1")
    html = client_for(author).post(change_url(post), stale).content.decode()
    assert "Please correct the errors below." in html or "Please correct the error below." in html
    assert "conflict-banner" not in html
    assert "saved this post at" in html  # the conflict is still said, with the field error
