"""The thread under a post as readers and members see it, and the member's pages."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from comments import services
from comments.models import Comment, Discussion
from comments.rendering import render_comment
from tests.comments.conftest import create_member, set_policy, shown, sign_in
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(title="Harbour lights")


def approved(post, member, body, parent=None, at=None):
    comment = services.post_comment(post=post, member=member, body=body, parent=parent)
    Comment.objects.filter(pk=comment.pk).update(
        status=Comment.Status.APPROVED, **({"created_at": at} if at else {})
    )
    comment.refresh_from_db()
    return comment


def page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_comments_oldest_first_replies_one_level_deep(client, post):
    ada, bob = create_member("ada@example.org", "Ada"), create_member("bob@example.org", "Bob")
    now = timezone.now()
    second = approved(post, bob, "Second said", at=now - timedelta(minutes=5))
    first = approved(post, ada, "First said", at=now - timedelta(minutes=9))
    approved(post, ada, "A reply to Bob", parent=second)
    html = page(client, post)
    assert html.index("First said") < html.index("Second said") < html.index("A reply to Bob")
    thread = html[html.index('id="comments"') :]
    reply_list = thread[thread.index(f'id="comment-{second.pk}"') :]
    assert reply_list.index('class="comment-replies"') < reply_list.index("A reply to Bob")
    assert f'id="comment-{first.pk}"' in thread
    assert 'Comments <span class="comment-count">(3)</span>' in thread
    assert '<time datetime="' in thread


def test_pending_spam_and_removed_are_not_shown_to_readers(client, post, editor):
    ada = create_member()
    waiting = services.post_comment(post=post, member=ada, body="Waiting one")
    spam = services.post_comment(post=post, member=ada, body="Spam one")
    services.mark_spam(spam, editor)
    gone = approved(post, ada, "Gone one")
    services.remove(gone, editor)
    html = page(client, post)
    for text in ("Waiting one", "Spam one", "Gone one", "This comment was deleted"):
        assert text not in html
    assert waiting.status == "pending"
    assert "No comments yet." in html


def test_a_deleted_comment_with_replies_keeps_its_place(client, post):
    ada, bob = create_member("ada@example.org", "Ada"), create_member("bob@example.org", "Bob")
    top = approved(post, ada, "Original words")
    approved(post, bob, "Answer stays", parent=top)
    services.delete_comment(top, ada)
    html = page(client, post)
    assert "This comment was deleted." in html
    assert "Original words" not in html
    assert "Answer stays" in html


def test_the_member_sees_their_own_waiting_comment(commenter_client, post):
    services.post_comment(post=post, member=commenter_client.member, body="Mine, waiting")
    html = page(commenter_client, post)
    assert "Mine, waiting" in html and "Waiting for approval" in html
    assert "Mine, waiting" not in page(Client(), post)


def test_markdown_subset_no_images_no_headings_links_unvouched():
    html = render_comment(
        "# Big heading\n\n![pic](https://evil.example/x.png) *em* **strong** `code`\n\n"
        "[out](https://elsewhere.example/) <img src=x onerror=alert(1)> <script>x</script>\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n- one\n- two"
    ).html
    for absent in ("<h1", "<img", "<table", "<td", "<script", "onerror", "evil.example"):
        assert absent not in html
    assert "Big heading" in html
    assert '<a href="https://elsewhere.example/" rel="nofollow ugc">out</a>' in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert "<code>code</code>" in html and "<blockquote>" in html and "<li>one</li>" in html
    assert "target=" not in html


def test_the_member_gets_a_form_others_a_sign_in_link(commenter_client, post):
    anonymous = page(Client(), post)
    assert '<form class="comment-form' not in anonymous
    assert f'href="/members/signin/?next={post.get_absolute_url()}%23comments"' in anonymous
    assert f'href="/members/?next={post.get_absolute_url()}%23comments">Sign up' in anonymous
    member = page(commenter_client, post)
    assert '<label for="comment-body-new">Your comment</label>' in member
    assert 'name="csrfmiddlewaretoken"' in member
    assert "Markdown:" in member
    assert "Sign in to comment" not in member


def test_the_comment_form_carries_a_working_csrf_token(post):
    """Only signed-in members get the form; their pages are never cached, so the token
    in it is theirs and is checked."""
    strict = Client(enforce_csrf_checks=True)
    sign_in(strict, create_member())
    set_policy(first_comment_needs_approval=False)
    html = page(strict, post)
    assert page(strict, post)  # a second view is not a cache hit either
    response = strict.get(post.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    url = f"/comments/post/{post.pk}/"
    assert strict.post(url, shown({"body": "No token"})).status_code == 403
    response = strict.post(url, shown({"body": "With token", "csrfmiddlewaretoken": token}))
    assert response.status_code == 302
    assert Comment.objects.get().body == "With token"


def test_posting_redirects_back_to_the_comment(commenter_client, post, trusting):
    response = commenter_client.post(f"/comments/post/{post.pk}/", shown({"body": "Hello *all*"}))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.APPROVED
    assert response.status_code == 302
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert "<em>all</em>" in page(commenter_client, post)


def test_a_pending_comment_says_it_waits(commenter_client, post):
    response = commenter_client.post(
        f"/comments/post/{post.pk}/", shown({"body": "First ever"}), follow=True
    )
    assert Comment.objects.get().status == Comment.Status.PENDING
    assert "Your comment is waiting for approval." in response.content.decode()


def test_anonymous_posts_are_sent_to_sign_in(client, post):
    response = client.post(f"/comments/post/{post.pk}/", shown({"body": "Hi"}))
    assert response.status_code == 302
    assert response["Location"] == f"/members/signin/?next={post.get_absolute_url()}%23comments"
    assert not Comment.objects.exists()


def test_a_refused_comment_shows_the_form_again_with_the_text(commenter_client, post):
    Discussion.objects.create(post=post, mode=Discussion.Mode.CLOSED)
    response = commenter_client.post(f"/comments/post/{post.pk}/", shown({"body": "Keep my words"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Comments on this post are closed." in html and "Keep my words" in html


def test_a_banned_member_is_told(commenter_client, post, editor):
    services.ban_member(commenter_client.member, editor, "spam")
    response = commenter_client.post(f"/comments/post/{post.pk}/", shown({"body": "Let me"}))
    assert response.status_code == 400
    assert "You can no longer comment" in response.content.decode()


def test_a_banned_member_sees_no_form_but_a_word_on_the_post_page(
    commenter_client, post, editor, trusting
):
    approved(post, create_member("bob@example.org", "Bob"), "Top")
    assert 'id="comment-form-new"' in page(commenter_client, post)
    services.ban_member(commenter_client.member, editor, "spam")
    html = page(commenter_client, post)
    assert "You can no longer comment on this site." in html
    assert "<form" not in html.split('id="comments"')[1]  # no comment or reply form
    assert "Top" in html  # the thread is still there to read


@pytest.mark.parametrize("mode", ["closed", "hidden"])
def test_closed_shows_the_thread_hidden_shows_nothing(client, post, mode, trusting):
    approved(post, create_member(), "Said before")
    Discussion.objects.create(post=post, mode=mode)
    html = page(client, post)
    assert ("Said before" in html) == (mode == "closed")
    assert ("Comments are closed." in html) == (mode == "closed")
    assert "Sign in to comment" not in html


def test_comments_close_after_days(client, post):
    set_policy(close_after_days=2)
    assert "Sign in to comment" in page(client, post)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert "Comments are closed." in page(Client(), post)


def test_a_reply_by_form_to_a_reply_lands_under_the_top_level(commenter_client, post, trusting):
    top = approved(post, create_member("bob@example.org", "Bob"), "Top")
    reply = approved(post, create_member("cy@example.org", "Cy"), "Reply", parent=top)
    commenter_client.post(
        f"/comments/post/{post.pk}/", shown({"body": "Deeper", "parent": reply.pk})
    )
    assert Comment.objects.get(body="Deeper").parent_id == top.pk


def test_edit_page_within_ten_minutes_then_refused(commenter_client, post, trusting):
    member = commenter_client.member
    comment = services.post_comment(post=post, member=member, body="Tpyo")
    url = f"/comments/{comment.pk}/edit/"
    assert 'name="body"' in commenter_client.get(url).content.decode()
    response = commenter_client.post(url, shown({"body": "Typo fixed"}))
    assert response.status_code == 302
    html = page(commenter_client, post)
    assert "Typo fixed" in html and "edited" in html
    with time_machine.travel(comment.created_at + timedelta(minutes=11)):
        response = commenter_client.post(url, shown({"body": "Rewrite history"}))
        assert response.status_code == 400
        assert "10 minutes" in response.content.decode()
        assert f'href="/comments/{comment.pk}/edit/"' not in page(commenter_client, post)
    assert Comment.objects.get().body == "Typo fixed"


def test_an_edit_that_adds_links_tells_the_member_it_waits_again(commenter_client, post, editor):
    member = commenter_client.member
    services.approve(services.post_comment(post=post, member=member, body="First"), editor)
    comment = services.post_comment(post=post, member=member, body="Nice view")
    assert comment.status == Comment.Status.APPROVED
    url = f"/comments/{comment.pk}/edit/"
    response = commenter_client.post(url, {"body": "Buy at https://spam.example"}, follow=True)
    assert "it is waiting for approval again" in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING
    assert "https://spam.example" not in page(Client(), post)  # readers no longer see it


def test_delete_page(commenter_client, post, trusting):
    comment = services.post_comment(post=post, member=commenter_client.member, body="Oops")
    url = f"/comments/{comment.pk}/delete/"
    assert "Delete your comment?" in commenter_client.get(url).content.decode()
    response = commenter_client.post(url, follow=True)
    assert "Your comment is deleted." in response.content.decode()
    assert "Oops" not in response.content.decode()


def test_ones_own_spam_is_not_found_either(commenter_client, post, editor, trusting):
    comment = services.post_comment(post=post, member=commenter_client.member, body="Buy")
    services.mark_spam(comment, editor)
    for action in ("edit", "delete"):
        assert commenter_client.post(f"/comments/{comment.pk}/{action}/").status_code == 404
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM and comment.body == "Buy"


def test_another_members_comment_is_not_found(commenter_client, post, trusting):
    someone = create_member("x@example.org")
    theirs = services.post_comment(post=post, member=someone, body="Not yours")
    for action in ("edit", "delete"):
        url = f"/comments/{theirs.pk}/{action}/"
        assert commenter_client.get(url).status_code == 404
        assert commenter_client.post(url, shown({"body": "x"})).status_code == 404
    assert Comment.objects.get().body == "Not yours"


def test_members_only_posts_show_comments_to_members_only(commenter_client, trusting):
    post = PostFactory(audience="members")
    approved(post, create_member("z@example.org"), "Members talk")
    assert "Members talk" not in page(Client(), post)
    assert "Members talk" in page(commenter_client, post)


def test_the_script_gets_the_new_comment_as_a_fragment(commenter_client, post, trusting):
    top = approved(post, create_member("bob@example.org", "Bob"), "Top")
    response = commenter_client.post(
        f"/comments/post/{post.pk}/",
        shown({"body": "Via *fetch*", "parent": top.pk}),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["parent"] == top.pk and data["status"] == "approved"
    assert "<em>fetch</em>" in data["html"] and f'id="comment-{data["id"]}"' in data["html"]
    refused = commenter_client.post(
        f"/comments/post/{post.pk}/", shown({"body": ""}), HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and refused.json()["error"]


def test_the_fragment_of_a_new_comment_has_its_reply_form_and_the_new_count(
    commenter_client, post, trusting
):
    approved(post, create_member("bob@example.org", "Bob"), "Top")
    response = commenter_client.post(
        f"/comments/post/{post.pk}/", shown({"body": "Second"}), HTTP_ACCEPT="application/json"
    )
    data = response.json()
    assert data["count"] == 2  # the heading's "Comments (2)", as a reload shows it
    assert "<summary>Reply" in data["html"]
    assert f'name="parent" value="{data["id"]}"' in data["html"]
    assert 'name="csrfmiddlewaretoken"' in data["html"]
