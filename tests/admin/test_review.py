"""The review queue: submit, e-mail to editors, the count and filter, publish or return."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from tests.admin.test_states import buttons, change_url, form
from tests.factories import EditorFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_submit_mails_the_editors_after_the_commit(
    client_for, contributor, editor, django_capture_on_commit_callbacks
):
    EditorFactory(username="second_editor", email="second@example.com")
    post = PostFactory(author=contributor, draft=True, title="Kelp forests")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(contributor).post(change_url(post), form(post, _action="review"))
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["editor@example.com", "second@example.com"]
    assert "Waiting for review: Kelp forests" in message.subject
    assert f"/admin/blog/post/{post.pk}/change/" in message.body
    assert message.body.count("http://") == 2  # links from the configured origin


def test_a_rolled_back_submit_mails_no_one(client_for, contributor, editor):
    post = PostFactory(author=contributor, draft=True)
    # The test transaction never commits: the on_commit mail must not go.
    client_for(contributor).post(change_url(post), form(post, _action="review"))
    assert mail.outbox == []


def test_index_counts_and_filter_lists_whats_waiting(client_for, editor, contributor):
    waiting = PostFactory(author=contributor, status=Post.Status.REVIEW, published_at=None)
    PostFactory(author=contributor, draft=True, title="Not submitted")
    client = client_for(editor)
    index = client.get(reverse("admin:index")).content.decode()
    assert "<strong>1</strong> post waiting for review" in index
    listing = client.get(reverse("admin:blog_post_changelist"), {"review": "waiting"})
    assert list(listing.context["cl"].result_list) == [waiting]
    assert "Waiting for review" in listing.content.decode()
    # Oldest submission first, to be fair (unless the editor sorts by a column).
    later = PostFactory(author=contributor, status=Post.Status.REVIEW, published_at=None)
    Post.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(days=2))
    listing = client.get(reverse("admin:blog_post_changelist"), {"review": "waiting"})
    assert list(listing.context["cl"].result_list) == [waiting, later]
    by_title = client.get(reverse("admin:blog_post_changelist"), {"review": "waiting", "o": "-1"})
    titles = [post.title for post in by_title.context["cl"].result_list]
    assert titles == sorted(titles, reverse=True)
    # Writers do not review: no count, no such filter.
    client.logout()
    writer = client_for(contributor)
    assert "waiting for review" not in writer.get(reverse("admin:index")).content.decode()


def test_editor_publishes_or_schedules_from_review(client_for, editor, contributor):
    post = PostFactory(author=contributor, status=Post.Status.REVIEW, published_at=None)
    client = client_for(editor)
    assert buttons(client.get(change_url(post))) == [
        "Save changes",
        "Publish now",
        "Schedule…",
        "Withdraw from review",
        "Return to writer",
    ]
    client.post(change_url(post), form(post, author=contributor.pk, _action="publish"))
    post.refresh_from_db()
    assert post.is_public


def test_editor_returns_with_a_note_the_writer_sees(
    client_for, editor, contributor, django_capture_on_commit_callbacks
):
    post = PostFactory(author=contributor, status=Post.Status.REVIEW, published_at=None)
    client = client_for(editor)
    response = client.post(change_url(post), form(post, author=contributor.pk, _action="return"))
    assert "Tell the writer what to change" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            change_url(post),
            form(post, author=contributor.pk, note="Cut the second half.", _action="return"),
        )
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT and post.review_note == "Cut the second half."
    assert mail.outbox[-1].to == [contributor.email]
    assert "Cut the second half." in mail.outbox[-1].body

    client.logout()
    page = client_for(contributor).get(change_url(post)).content.decode()
    assert "Note from the editor:" in page and "Cut the second half." in page
    # Submitting again clears the note.
    client_for(contributor).post(change_url(post), form(post, _action="review"))
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.review_note == ""


def test_authors_publish_directly_and_never_see_the_return_button(client_for, author):
    post = PostFactory(author=author, status=Post.Status.REVIEW, published_at=None)
    assert "Return to writer" not in buttons(client_for(author).get(change_url(post)))
