"""The post form's "Comments" box: an editor opens, closes or hides a post's comments,
and readers' cached page of that post changes at once (comments.post_admin)."""

import pytest
from django.test import Client

from comments.models import Comment, Discussion
from tests.comments.moderation_data import make_comment, make_member
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def page(post):
    return Client().get(post.get_absolute_url())


def test_an_editor_hides_a_posts_comments_from_the_post_form(
    client_for, editor, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Harbour lights")
    make_comment(post, member=make_member(name="Rita"), status=Comment.Status.APPROVED)
    assert "Rita" in page(post).content.decode()
    assert page(post)["X-Page-Cache"] == "hit"
    client = client_for(editor)

    form = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'id="comments-mode"' in form
    assert '<option value="open" selected>' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/blog/post/{post.pk}/comments-mode/", {"mode": "hidden"}, follow=True
        )
    assert "Comments on this post: Hidden" in response.content.decode()
    assert Discussion.objects.get(post=post).mode == "hidden"
    hidden = page(post)
    assert hidden["X-Page-Cache"] == "miss"  # the post's cached page was forgotten
    assert "Rita" not in hidden.content.decode()
    form = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert '<option value="hidden" selected>' in form


def test_who_may_not_change_the_post_may_not_change_its_comments(client_for, other_author):
    post = PostFactory()
    response = client_for(other_author).post(
        f"/admin/blog/post/{post.pk}/comments-mode/", {"mode": "closed"}
    )
    assert response.status_code in (403, 404)
    assert not Discussion.objects.filter(post=post).exists()


def test_a_mode_that_does_not_exist_changes_nothing(client_for, editor):
    post = PostFactory()
    response = client_for(editor).post(
        f"/admin/blog/post/{post.pk}/comments-mode/", {"mode": "gone"}, follow=True
    )
    assert "Choose open, closed or hidden." in response.content.decode()
    assert not Discussion.objects.filter(post=post).exists()
