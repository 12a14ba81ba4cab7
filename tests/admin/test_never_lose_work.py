"""Never lose work: optimistic locking, autosave and its offer, the live preview endpoint."""

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blog.models import Category, Post, Tag
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
    embedded = re.search(r'id="autosave-data" type="application/json">(.*?)</script>', page)
    restorable = json.loads(embedded.group(1))["post"]  # for the script's restore in place
    assert restorable["fields"]["body"] == ["Typed, not saved."]

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


def test_every_field_of_a_post_is_autosaved_offered_and_restored(client_for, editor):
    harbour = Category.objects.create(name="Harbour", slug="harbour")
    tides = Tag.objects.create(name="tides", slug="tides")
    post = PostFactory(author=editor, draft=True, title="Quay", body="Same body.")
    client = client_for(editor)
    url = reverse("admin:post_autosave", args=[post.pk])
    # Only the filing changed: still worth an offer.
    typed = form(post, category=str(harbour.pk), tags=[str(tides.pk)], slug="quay-side")
    assert client.post(url, typed).status_code == 200
    autosave = Autosave.objects.get()
    assert autosave.fields["category"] == [str(harbour.pk)] and autosave.fields["tags"] == [
        str(tides.pk)
    ]
    page = client.get(change_url(post)).content.decode()
    assert "You have changes autosaved at" in page
    data = json.loads(
        re.search(r'id="autosave-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert data["post"]["labels"] == {
        "category": {str(harbour.pk): "Harbour"},
        "tags": {str(tides.pk): "tides"},
    }
    # Without JavaScript, "Restore them" draws the form with the autosaved category and slug
    # (tags, read from the database by the form, only the script restores in place).
    restored = client.get(change_url(post) + "?restore_autosave=1").context["adminform"].form
    assert str(restored["category"].value()) == str(harbour.pk)
    assert restored["slug"].value() == "quay-side"
    post.refresh_from_db()
    assert post.category != harbour and post.slug != "quay-side"  # nothing saved

    # The same fields as the post: nothing to offer.
    stored = form(
        post,
        category=str(post.category_id or ""),
        tags=[str(pk) for pk in post.tags.values_list("pk", flat=True)],
    )
    client.post(url, stored)
    assert "autosave-offer" not in client.get(change_url(post)).content.decode()


def test_the_session_endpoint_tells_the_script_whether_it_is_signed_in(client, client_for, author):
    url = reverse("admin:post_editor_session")
    signed_out = client.get(url)
    assert signed_out.status_code == 401  # JSON, not the login page
    assert signed_out.json()["signed_in"] is False and signed_out.json()["csrf_token"]
    assert "no-cache" in signed_out["Cache-Control"]
    signed_in = client_for(author).get(url)
    assert signed_in.status_code == 200
    assert signed_in.json()["signed_in"] is True and signed_in.json()["username"] == author.username
    assert client.post(url).status_code in (403, 405)


def test_a_reader_is_not_signed_in_to_the_editor(client_for, reader):
    response = client_for(reader).get(reverse("admin:post_editor_session"))
    assert response.status_code == 401 and "username" not in response.json()


def test_a_rerender_keeps_the_writers_unsaved_words_offered(client_for, author, time_machine):
    """`render_posts` (a new Markdown pipeline) moves a post's version, not its edit time:
    the autosave a writer left before it is still offered. Compared with the version,
    it was hidden, and the writer's next keystrokes replaced it."""
    post = PostFactory(author=author, draft=True, title="Draft title", body="Old body.")
    client = client_for(author)
    autosave = {"title": "Draft title", "body": "Typed, not saved.", "excerpt": ""}
    assert client.post(reverse("admin:post_autosave", args=[post.pk]), autosave).status_code == 200
    Post.all_kinds.filter(pk=post.pk).update(body_html="<p>rendered by an older pipeline</p>")
    time_machine.move_to(timezone.now() + timedelta(seconds=5), tick=True)
    call_command("render_posts", stdout=StringIO())
    post.refresh_from_db()
    assert "Old body." in post.body_html  # re-rendered
    assert "You have changes autosaved at" in client.get(change_url(post)).content.decode()
