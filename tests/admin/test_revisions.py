"""Revisions: one per save from every entry point, a readable diff, restore rules per role."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from blog.models import Post
from blog.services import post_update
from editorial import revisions
from tests.admin.test_states import change_url, form
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)  # revisions outside a request commit


def versions(post):
    return list(revisions.post_versions(post))


def test_admin_save_keeps_a_revision_with_user_fields_and_tags(client_for, editor, author):
    tag, category = TagFactory(name="tides"), CategoryFactory(name="Coast")
    post = PostFactory(author=author, draft=True, title="First")
    before = len(versions(post))
    response = client_for(editor).post(
        change_url(post),
        form(
            post,
            title="Second",
            body="Line one.\nLine two.",
            category=category.pk,
            tags=[tag.pk],
            author=author.pk,
            _action="publish",
        ),
    )
    assert response.status_code == 302
    latest = versions(post)
    assert len(latest) == before + 1  # one revision per save, tags included
    data = revisions.readable(latest[0])
    assert latest[0].revision.user == editor
    assert (data["title"], data["body"], data["status"]) == (
        "Second",
        "Line one.\nLine two.",
        "Published",
    )
    assert (data["category"], data["tags"]) == ("Coast", "tides")
    assert data["published_at"] != "—"


def test_api_save_keeps_a_revision_by_the_token_user(author):
    client = APIClient()
    token = client.post(
        "/api/auth/token/", {"username": author.username, "password": "correct-horse-battery"}
    ).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/posts/", {"title": "From the API", "body": "Hello."}, format="json"
    )
    assert response.status_code == 201, response.content
    post = Post.objects.get(title="From the API")
    client.patch(f"/api/posts/{post.pk}/", {"title": "From the API, again"}, format="json")
    found = versions(post)
    assert [v.revision.user for v in found] == [author, author]
    assert revisions.readable(found[0])["title"] == "From the API, again"


def test_a_write_outside_admin_and_api_keeps_a_revision_with_its_tags():
    with transaction.atomic():
        post = PostFactory(title="From the shell", tags=[TagFactory(name="harbour")])
    found = versions(post)
    assert len(found) == 1  # one per transaction, taken at commit: tags included
    assert revisions.readable(found[0])["tags"] == "harbour"
    assert found[0].revision.user is None
    post_update(post=post, data={"title": "Edited in the shell"}, user=None)  # at once
    assert revisions.readable(versions(post)[0])["title"] == "Edited in the shell"


def test_history_lists_revisions_and_diff_shows_body_line_by_line(client_for, editor):
    post = PostFactory(title="Old", body="Same line.\nOld line.", draft=True)
    post_update(post=post, data={"title": "New", "body": "Same line.\nNew line."}, user=None)
    client = client_for(editor)
    history = client.get(reverse("admin:blog_post_history", args=[post.pk])).content.decode()
    assert history.count('name="a"') == 2 and "Restore" in history
    newer, older = versions(post)
    page = client.get(
        reverse("admin:post_compare", args=[post.pk]), {"a": older.pk, "b": newer.pk}
    ).content.decode()
    assert '<th scope="row">Title</th><td>Old</td><td>New</td>' in page
    assert '<span class="diff-line removed">\u2212 Old line.</span>' in page
    assert '<span class="diff-line added">+ New line.</span>' in page
    assert '<span class="diff-line same">  Same line.</span>' in page


def test_restore_makes_a_new_revision_and_brings_the_content_back(client_for, author):
    post = PostFactory(author=author, title="Good title", body="Good body.")
    post_update(post=post, data={"title": "Bad title", "body": "Bad body."}, user=None)
    good = versions(post)[-1]
    client = client_for(author)
    response = client.post(reverse("admin:post_restore", args=[post.pk, good.pk]))
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body, post.state) == ("Good title", "Good body.", "published")
    found = versions(post)
    assert len(found) == 3 and found[0].revision.user == author
    assert "Restored" in found[0].revision.comment


def test_contributor_restores_only_to_a_draft(client_for, contributor):
    post = PostFactory(author=contributor, title="Published once")  # an editor published it
    changes = {"status": Post.Status.DRAFT, "published_at": None, "title": "Back in draft"}
    post_update(post=post, data=changes, user=None)
    published = versions(post)[-1]
    assert revisions.readable(published)["status"] == "Published"
    client_for(contributor).post(reverse("admin:post_restore", args=[post.pk, published.pk]))
    post.refresh_from_db()
    assert post.title == "Published once" and post.state == Post.State.DRAFT
    assert not Post.objects.public().filter(pk=post.pk).exists()


def test_nobody_restores_what_they_may_not_change(client_for, contributor, author):
    post = PostFactory(author=author, title="Theirs", draft=True)
    post_update(post=post, data={"title": "Theirs, edited"}, user=None)
    response = client_for(contributor).post(
        reverse("admin:post_restore", args=[post.pk, versions(post)[-1].pk])
    )
    assert response.status_code in (403, 404)
    post.refresh_from_db()
    assert post.title == "Theirs, edited"


def test_post_list_and_public_pages_do_not_touch_revisions(
    client, client_for, editor, django_assert_max_num_queries
):
    for _ in range(20):
        PostFactory()
    admin_client = client_for(editor)
    with django_assert_max_num_queries(15) as queries:
        admin_client.get(reverse("admin:blog_post_changelist"))
    assert not any("reversion_" in q["sql"] for q in queries.captured_queries)
    client.logout()
    with CaptureQueriesContext(connection) as public:
        client.get("/")
    assert not any("reversion_" in q["sql"] for q in public.captured_queries)
