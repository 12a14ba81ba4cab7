"""Revisions: one per save from every entry point, a readable diff, restore rules per role."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
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


def test_history_rows_read_to_the_second_and_say_what_changed(client_for, editor):
    tag = TagFactory(name="Rivers")
    post = PostFactory(title="Before", body="One.\nTwo.", draft=True)
    post_update(post=post, data={"title": "After", "body": "One.\nTwo!\nThree."}, user=None)
    post_update(post=post, data={"tags": [tag]}, user=None)
    page = client_for(editor).get(reverse("admin:blog_post_history", args=[post.pk]))
    html = page.content.decode()
    rows = [version.revision.date_created for version in versions(post)]
    assert all(f"{moment:%H:%M:%S}" in html for moment in rows)  # editor zone is UTC here
    changed = page.context["rows"]
    assert [row["changed"] for row in changed] == [
        "Tags",
        "Title, body (+2 \u22121 lines)",
        "First revision",
    ]


def test_compare_shows_only_what_changed(client_for, editor):
    body = "\n".join(f"Paragraph {n}." for n in range(40))
    post = PostFactory(title="Same title", body=body, draft=True)
    post_update(post=post, data={"body": body.replace("Paragraph 20.", "Paragraph XX.")}, user=None)
    newer, older = versions(post)
    page = client_for(editor).get(
        reverse("admin:post_compare", args=[post.pk]), {"a": older.pk, "b": newer.pk}
    )
    html = page.content.decode()
    assert "Same title" not in html.split('class="revision-diff"')[1]  # unchanged field left out
    assert '<span class="diff-line removed">\u2212 Paragraph 20.</span>' in html
    assert '<span class="diff-line added">+ Paragraph XX.</span>' in html
    assert "Paragraph 18." in html and "Paragraph 22." in html  # two lines of context
    assert "Paragraph 17." not in html and "Paragraph 23." not in html
    assert html.count('class="diff-line skipped"') == 2


def test_restoring_a_published_post_asks_first_and_shows_what_will_change(client_for, editor):
    post = PostFactory(title="Live title", body="Live body.")
    post_update(post=post, data={"title": "Newer live title"}, user=None)
    older = versions(post)[-1]
    client = client_for(editor)
    url = reverse("admin:post_restore", args=[post.pk, older.pk])
    history = client.get(reverse("admin:blog_post_history", args=[post.pk])).content.decode()
    assert f'href="{url}"' in history  # a link to the question, not a button that restores
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "readers see the restored version as soon as you press" in html
    assert '<th scope="row">Title</th><td>Newer live title</td><td>Live title</td>' in html
    post.refresh_from_db()
    assert post.title == "Newer live title"  # asking changed nothing
    assert client.post(url).status_code == 302
    post.refresh_from_db()
    assert post.title == "Live title" and post.state == Post.State.PUBLISHED


def test_the_restore_question_says_when_a_published_post_goes_back_to_draft(client_for, editor):
    post = PostFactory(title="Draft once", draft=True)
    post_update(post=post, data={"title": "Now live", "status": Post.Status.PUBLISHED}, user=None)
    html = (
        client_for(editor)
        .get(reverse("admin:post_restore", args=[post.pk, versions(post)[-1].pk]))
        .content.decode()
    )
    assert "comes back as a draft: readers will no longer see it" in html


def test_nobody_sees_the_restore_question_of_a_post_they_may_not_change(
    client_for, contributor, author
):
    post = PostFactory(author=author, title="Theirs", draft=True)
    post_update(post=post, data={"title": "Theirs, edited"}, user=None)
    response = client_for(contributor).get(
        reverse("admin:post_restore", args=[post.pk, versions(post)[-1].pk])
    )
    assert response.status_code in (403, 404)


def test_restoring_a_scheduled_revision_over_a_published_post_says_it_leaves_until_its_time(
    client_for, editor
):
    later = timezone.now() + timedelta(days=2)
    post = PostFactory(title="Planned", published_at=later)  # scheduled
    post_update(post=post, data={"title": "Out now", "published_at": timezone.now()}, user=None)
    post.refresh_from_db()
    assert post.state == Post.State.PUBLISHED
    html = (
        client_for(editor)
        .get(reverse("admin:post_restore", args=[post.pk, versions(post)[-1].pk]))
        .content.decode()
    )
    assert "comes back scheduled: readers will no longer see it until its time" in html
