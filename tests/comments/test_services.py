"""The one write path: who may comment, pending or approved, replies, edit, delete,
moderation and the spam hook (comments/services.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from comments import services, spam
from comments.events import comment_approved, comment_created, comment_removed
from comments.models import Comment, Discussion, ModerationAction
from comments.services import CommentRefused
from tests.comments.conftest import create_member, set_policy
from tests.factories import AuthorFactory, EditorFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory()


@pytest.fixture
def member():
    return create_member()


def say(post, member, body="Hello there", **kwargs):
    return services.post_comment(post=post, member=member, body=body, **kwargs)


def test_a_first_comment_waits_then_the_member_is_trusted(post, member, editor):
    first = say(post, member)
    assert first.status == Comment.Status.PENDING
    assert say(post, member, "Still waiting").status == Comment.Status.PENDING
    services.approve(first, editor)
    assert say(post, member, "Now trusted").status == Comment.Status.APPROVED


def test_no_wait_when_the_site_trusts_first_comments(post, member, trusting):
    comment = say(post, member)
    assert comment.status == Comment.Status.APPROVED
    assert comment.approved_at is not None
    assert comment.author_name == "Ada"
    assert comment.body_html == "<p>Hello there</p>"


def test_signals_created_always_approved_only_when_visible(post, member, editor):
    heard = []

    def listen(signal):
        def receiver(sender, comment, **kwargs):
            heard.append((signal, comment.pk))

        return receiver

    receivers = {
        s: listen(n)
        for n, s in [
            ("created", comment_created),
            ("approved", comment_approved),
            ("removed", comment_removed),
        ]
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        comment = say(post, member)
        assert heard == [("created", comment.pk)]
        services.approve(comment, editor)
        assert heard[-1] == ("approved", comment.pk)
        services.remove(comment, editor)
        assert heard[-1] == ("removed", comment.pk)
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)


@pytest.mark.parametrize(
    "setup",
    [
        lambda post: set_policy(enabled=False),
        lambda post: Discussion.objects.create(post=post, mode=Discussion.Mode.CLOSED),
        lambda post: Discussion.objects.create(post=post, mode=Discussion.Mode.HIDDEN),
    ],
    ids=["site-off", "closed", "hidden"],
)
def test_closed_discussions_refuse(post, member, setup):
    setup(post)
    with pytest.raises(CommentRefused) as refused:
        say(post, member)
    assert refused.value.code == "closed"
    assert not Comment.objects.exists()


def test_a_draft_takes_no_comment(member):
    with pytest.raises(CommentRefused):
        say(PostFactory(draft=True), member)


def test_close_after_days_counts_from_going_public(member, trusting):
    set_policy(first_comment_needs_approval=False, close_after_days=3)
    post = PostFactory(published_at=timezone.now() - timedelta(days=2, hours=23))
    assert say(post, member).status == Comment.Status.APPROVED
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later), pytest.raises(CommentRefused, match="closed"):
        say(post, member, "Too late")


def test_a_banned_member_is_refused_until_unbanned(post, member, editor, trusting):
    services.ban_member(member, editor, "Abuse")
    with pytest.raises(CommentRefused) as refused:
        say(post, member)
    assert refused.value.code == "banned"
    services.unban_member(member, editor)
    assert say(post, member).status == Comment.Status.APPROVED
    logged = list(ModerationAction.objects.values_list("action", flat=True))
    assert sorted(logged) == ["ban", "unban"]


def test_only_editors_ban(member):
    with pytest.raises(PermissionDenied):
        services.ban_member(member, AuthorFactory(), "")


def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(post, trusting):
    top = say(post, create_member("a@example.org", "A"))
    reply = say(post, create_member("b@example.org", "B"), "Reply", parent=top)
    deeper = say(post, create_member("c@example.org", "C"), "Deeper", parent=reply)
    assert reply.parent == top
    assert deeper.parent == top


def test_replies_only_to_approved_comments_of_the_same_post(post, member, trusting):
    waiting = Comment.objects.create(
        post=post, body="x", status=Comment.Status.PENDING, created_at=timezone.now()
    )
    with pytest.raises(CommentRefused):
        say(post, member, parent=waiting)
    elsewhere = say(PostFactory(), member)
    with pytest.raises(CommentRefused):
        say(post, member, parent=elsewhere)


def test_empty_and_too_long_bodies_are_refused(post, member):
    with pytest.raises(CommentRefused, match="Write something"):
        say(post, member, "   ")
    with pytest.raises(CommentRefused, match="at most 5000"):
        say(post, member, "x" * 5001)


def test_edit_within_ten_minutes_then_refused(post, member, trusting):
    comment = say(post, member)
    with time_machine.travel(comment.created_at + timedelta(minutes=9)):
        services.edit_comment(comment, member, "Better *words*")
    comment.refresh_from_db()
    assert comment.body_html == "<p>Better <em>words</em></p>"
    assert comment.edited_at is not None
    too_late = comment.created_at + timedelta(minutes=10, seconds=1)
    with time_machine.travel(too_late), pytest.raises(CommentRefused, match="10 minutes"):
        services.edit_comment(comment, member, "Too late")
    comment.refresh_from_db()
    assert comment.body == "Better *words*"


def test_an_approved_comment_edited_into_links_waits_for_approval_again(post, member, editor):
    first = say(post, member, "Hello")
    services.approve(first, editor)  # one approved comment: the member is trusted
    innocent = say(post, member, "What a lovely harbour")
    assert innocent.status == Comment.Status.APPROVED
    heard = []

    def listen(sender, comment, **kwargs):
        heard.append(comment.pk)

    comment_removed.connect(listen, dispatch_uid="test-edit-removed")
    try:
        services.edit_comment(innocent, member, "What a lovely harbour, with no links still")
        assert innocent.status == Comment.Status.APPROVED  # no new link: stays shown
        services.edit_comment(innocent, member, "Cheap boats: https://boats.example/deal")
    finally:
        comment_removed.disconnect(dispatch_uid="test-edit-removed")
    innocent.refresh_from_db()
    assert innocent.status == Comment.Status.PENDING and innocent.approved_at is None
    assert heard == [innocent.pk]  # readers' copies of the thread are forgotten
    services.approve(innocent, editor)
    assert Comment.objects.get(pk=innocent.pk).status == Comment.Status.APPROVED


def test_edits_adding_links_stay_shown_when_the_site_trusts_first_comments(post, member, trusting):
    comment = say(post, member, "See the harbour")
    services.edit_comment(comment, member, "See https://harbour.example")
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED


def test_no_one_edits_or_deletes_anothers_comment(post, member, trusting):
    comment = say(post, member)
    other = create_member("eve@example.org", "Eve")
    with pytest.raises(PermissionDenied):
        services.edit_comment(comment, other, "Mine now")
    with pytest.raises(PermissionDenied):
        services.delete_comment(comment, other)


def test_delete_any_time_keeps_the_row_without_its_words(post, member, trusting):
    comment = say(post, member, "Regrettable")
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        services.delete_comment(comment, member)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    assert comment.body == comment.body_html == ""


def test_a_comment_its_member_deleted_is_not_brought_back(post, member, editor, trusting):
    comment = say(post, member, "Take it back")
    services.delete_comment(comment, member)
    for action in (services.approve, services.restore):
        with pytest.raises(CommentRefused, match="deleted"):
            action(comment, editor)
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED


def test_moderation_is_logged_and_checked(post, member, editor):
    comment = say(post, member)
    services.mark_spam(comment, editor)
    services.restore(comment, editor)
    services.approve(comment, editor)
    actions = list(ModerationAction.objects.order_by("pk").values_list("action", "actor"))
    assert actions == [("spam", editor.pk), ("restore", editor.pk), ("approve", editor.pk)]
    stranger = AuthorFactory()
    with pytest.raises(PermissionDenied):
        services.remove(comment, stranger)


def test_a_posts_own_author_moderates_its_comments(member):
    writer = AuthorFactory()
    post = PostFactory(author=writer)
    comment = say(post, member)
    services.approve(comment, writer)
    assert comment.status == Comment.Status.APPROVED
    assert services.can_moderate(EditorFactory(), post)


@pytest.fixture
def spam_check():
    verdicts = []

    def check(draft):
        verdicts.append(draft)
        return check.answer

    check.answer = None
    saved = list(spam.SPAM_CHECKS)
    spam.SPAM_CHECKS[:] = [check]  # only this check: what services do with its verdicts
    yield check
    spam.SPAM_CHECKS[:] = saved


def test_spam_checks_may_refuse_or_send_to_spam(post, member, spam_check, trusting):
    spam_check.answer = "refuse: Too many links."
    with pytest.raises(CommentRefused, match=r"Too many links\."):
        say(post, member, client_ip="192.0.2.1", form_seconds=9.5, honeypot="")
    spam_check.answer = "spam"
    assert say(post, member).status == Comment.Status.SPAM
    spam_check.answer = None
    assert say(post, member).status == Comment.Status.APPROVED
