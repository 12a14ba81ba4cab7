"""Saving a post in review keeps it in review; leaving the queue is its own, named button."""

import pytest
from django.core import mail
from django.urls import reverse

from blog.models import Post
from tests.admin.test_states import buttons, change_url, form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def in_review(writer, **fields) -> Post:
    return PostFactory(author=writer, status=Post.Status.REVIEW, published_at=None, **fields)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_writer_saves_changes_and_the_post_stays_in_review(
    client_for, contributor, editor, django_capture_on_commit_callbacks
):
    post = in_review(contributor, title="Kelp forests")
    client = client_for(contributor)
    assert buttons(client.get(change_url(post))) == ["Save changes", "Withdraw from review"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(post), form(post, body="A better second paragraph.", _action="save"),
            follow=True,
        )  # fmt: skip
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.body == "A better second paragraph."
    assert mail.outbox == []  # the editors were told once, at the submit
    assert messages_of(response) == [
        "“Kelp forests”: Changes saved. Still in review: it stays in the editors' queue."
    ]
    # Still in the editors' queue.
    client.logout()
    queue = client_for(editor).get(reverse("admin:blog_post_changelist"), {"review": "waiting"})
    assert list(queue.context["cl"].result_list) == [post]


def test_a_form_posted_without_a_button_keeps_the_post_in_review(client_for, contributor):
    post = in_review(contributor)
    client_for(contributor).post(change_url(post), form(post, title="Renamed"))
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.title == "Renamed"


def test_save_draft_is_not_offered_in_review(client_for, contributor):
    """The old button withdrew the post without saying so: it is refused now."""
    post = in_review(contributor)
    response = client_for(contributor).post(change_url(post), form(post, _action="draft"))
    assert response.status_code == 200
    assert "not yours to press" in response.content.decode()
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW


def test_an_editor_saves_changes_without_taking_it_out_of_review(
    client_for, contributor, editor, django_capture_on_commit_callbacks
):
    post = in_review(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(editor).post(
            change_url(post), form(post, title="Edited by the desk", author=contributor.pk,
                                   _action="save"),
        )  # fmt: skip
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW and post.title == "Edited by the desk"
    assert post.author == contributor and mail.outbox == []


def test_the_writer_withdraws_from_review(
    client_for, contributor, django_capture_on_commit_callbacks
):
    post = in_review(contributor, title="Tides")
    client = client_for(contributor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(post), form(post, _action="withdraw"), follow=True)
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT and post.review_note == ""
    assert mail.outbox == []
    assert messages_of(response) == [
        "“Tides”: Withdrawn from review: back to draft, out of the editors' queue. "
        "Submit it again when it is ready."
    ]
    assert buttons(response) == ["Save draft", "Submit for review"]


def test_editors_withdraw_or_return_with_a_note(client_for, contributor, editor):
    post = in_review(contributor)
    client = client_for(editor)
    assert "Withdraw from review" in buttons(client.get(change_url(post)))
    client.post(change_url(post), form(post, author=contributor.pk, _action="withdraw"))
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT and post.review_note == ""  # no note: not a return


def test_only_the_writer_and_editors_withdraw(client_for, contributor, author):
    """Another writer never reaches the post; an author's own post in review (the API can
    put it there) gets the publisher's buttons plus the way out."""
    theirs = in_review(contributor)
    response = client_for(author).post(change_url(theirs), form(theirs, _action="withdraw"))
    assert response.status_code in (302, 403, 404)
    theirs.refresh_from_db()
    assert theirs.state == Post.State.IN_REVIEW

    own = in_review(author)
    assert buttons(client_for(author).get(change_url(own))) == [
        "Save changes",
        "Publish now",
        "Schedule…",
        "Withdraw from review",
    ]
