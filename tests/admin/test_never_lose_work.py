"""Never lose work: optimistic locking, autosave and its offer, the live preview endpoint."""

import json
import re

import pytest
from django.urls import reverse

from blog.models import Post
from blog.services import post_update
from editorial.models import Autosave
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_second_save_is_refused_naming_who_saved_in_between(client, client_for, author, editor):
    post = PostFactory(author=author, draft=True, title="Tide tables")
    stale = form(post, body="The author's careful rewrite.", _action="draft")

    # The editor saves first, from a form drawn from the same version.
    edited = form(post, title="Tide tables (edited)", author=author.pk, _action="draft")
    assert client_for(editor).post(change_url(post), edited).status_code == 302
    client.logout()
    response = client_for(author).post(change_url(post), stale)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"{editor.public_name} saved this post at" in text
    assert "your changes were not saved" in text
    assert "The author&#x27;s careful rewrite." in text  # still in the form, not lost
    post.refresh_from_db()
    assert post.title == "Tide tables (edited)" and "careful rewrite" not in post.body

    # Pressing the button again (the form now carries the newer version) saves on purpose.
    again = {**stale, "version": response.context["adminform"].form.data["version"]}
    assert client_for(author).post(change_url(post), again).status_code == 302
    post.refresh_from_db()
    assert post.body == "The author's careful rewrite."


def test_autosave_is_a_separate_row_and_never_touches_the_post(client_for, author):
    post = PostFactory(author=author, draft=True, title="Draft title", body="Old body.")
    client = client_for(author)
    url = reverse("admin:post_autosave", args=[post.pk])
    response = client.post(
        url, {"title": "Newer title", "body": "Typed, not saved.", "excerpt": ""}
    )
    assert response.status_code == 200 and "saved_at" in response.json()
    post.refresh_from_db()
    assert (post.title, post.body) == ("Draft title", "Old body.")
    autosave = Autosave.objects.get(post=post, user=author)
    assert autosave.body == "Typed, not saved."

    # Reopening offers it; restoring without JavaScript draws the form with it.
    page = client.get(change_url(post)).content.decode()
    assert "You have changes autosaved at" in page
    restored = client.get(change_url(post) + "?restore_autosave=1")
    assert restored.context["adminform"].form["body"].value() == "Typed, not saved."
    embedded = re.search(r'id="autosave-body" type="application/json">(.*?)</script>', page)
    assert json.loads(embedded.group(1)) == "Typed, not saved."  # for the script's restore

    # A real save removes it, and the offer with it.
    client.post(change_url(post), form(post, body="Typed, not saved.", _action="draft"))
    assert not Autosave.objects.filter(post=post).exists()
    assert "You have changes autosaved" not in client.get(change_url(post)).content.decode()


def test_autosave_discard(client_for, author):
    post = PostFactory(author=author, draft=True)
    Autosave.objects.create(post=post, user=author, title="x", body="y")
    client = client_for(author)
    client.post(reverse("admin:post_autosave_discard", args=[post.pk]))
    assert not Autosave.objects.exists()


def test_autosave_and_preview_check_who_may_change_the_post(client_for, contributor, author):
    theirs = PostFactory(author=author, draft=True)
    client = client_for(contributor)
    response = client.post(reverse("admin:post_autosave", args=[theirs.pk]), {"body": "x"})
    assert response.status_code in (403, 404)
    response = client.post(reverse("admin:post_preview"), {"body": "x", "post": theirs.pk})
    assert response.status_code == 404  # as for a missing post (issue 26.8)
    assert not Autosave.objects.exists()


def test_preview_renders_with_the_sites_markdown_and_needs_csrf(client_for, author):
    from django.test import Client

    post = PostFactory(author=author, draft=True)
    client = client_for(author)
    response = client.post(
        reverse("admin:post_preview"),
        {"body": "Some **bold** words.\n\n<script>alert(1)</script>", "post": post.pk},
    )
    data = response.json()
    assert "<strong>bold</strong>" in data["html"] and "<script" not in data["html"]
    assert data["words"] == 4 and data["minutes"] == 1

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author, backend="django.contrib.auth.backends.ModelBackend")
    assert strict.post(reverse("admin:post_preview"), {"body": "x"}).status_code == 403


def test_preview_is_admin_only(client, reader):
    response = client.post(reverse("admin:post_preview"), {"body": "x"})
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_post_version_changes_on_every_save():
    post = PostFactory(draft=True)
    before = post.version
    post_update(post=post, data={"title": "Changed"}, user=None)
    assert post.version != before and Post.objects.get(pk=post.pk).version == post.version
