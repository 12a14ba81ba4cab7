"""Notification mails (issue 32, point 4), through the real SMTP server of the `smtp`
fixture: the post's authors on a new comment, a member on a reply (one-click unsubscribe),
editors on waiting comments as an hourly digest. Each at most once, opt-outs respected."""

from __future__ import annotations

import smtplib
import socket
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from comments import moderation, notifications, tasks
from comments.models import AuthorPreference, Comment, CommentNotice, ReplyOptOut
from devservers import free_port, wait_for
from tests.comments.moderation_data import make_comment, make_member
from tests.factories import AuthorFactory, EditorFactory, PostFactory

pytestmark = pytest.mark.django_db
Status = Comment.Status


@pytest.fixture
def writer():
    return AuthorFactory(username="wren", email="wren@example.com")


@pytest.fixture
def post(writer):
    return PostFactory(author=writer, title="The new harbour")


def subject(mail) -> str:
    """The subject as a mail client shows it (folded encoded words unfolded)."""
    return " ".join(str(mail["Subject"]).split())


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages if str(m["To"]).lower() == address]


def approve(comment, actor, capture):
    """Approve as a moderator does, and run what waits for the commit (the task, eager)."""
    with capture(execute=True):
        moderation.approve(comment, actor)


def test_the_author_gets_one_mail_per_new_comment(
    smtp, post, editor, django_capture_on_commit_callbacks
):
    comment = make_comment(post, make_member(name="Kim"), body="Which quay for bicycles?")
    approve(comment, editor, django_capture_on_commit_callbacks)

    smtp.wait_for_count(1)
    [mail] = smtp.to("wren@example.com")
    assert subject(mail) == "New comment on “The new harbour”"
    text = mail.get_content()
    assert "Kim commented on “The new harbour”" in text
    assert "> Which quay for bicycles?" in text
    assert f"http://testserver{post.get_absolute_url()}#comment-{comment.pk}" in text
    assert f"/admin/comments/comment/{comment.pk}/change/" in text

    # Redelivered task, a second approval after a restore: nothing more.
    assert tasks.notify_comment.apply(args=[comment.pk]).get() == 0
    moderation.restore(comment, editor)
    approve(comment, editor, django_capture_on_commit_callbacks)
    assert smtp.rcpt_counts() == {"wren@example.com": 1}
    notice = CommentNotice.objects.get(kind="new_comment", comment=comment)
    assert notice.sent_at is not None


def test_every_author_of_a_co_written_post_gets_it_unless_they_opted_out(
    smtp, editor, django_capture_on_commit_callbacks
):
    lead = AuthorFactory(email="lead@example.com")
    second = AuthorFactory(email="second@example.com")
    quiet = AuthorFactory(email="quiet@example.com")
    AuthorPreference.objects.create(user=quiet, notify_on_comment=False)
    post = PostFactory(authors=[lead, second, quiet])
    approve(make_comment(post), editor, django_capture_on_commit_callbacks)
    smtp.wait_for_count(2)
    assert smtp.rcpt_counts() == {"lead@example.com": 1, "second@example.com": 1}


def test_a_comment_that_is_no_longer_approved_sends_nothing(smtp, post):
    comment = make_comment(post, status=Status.REMOVED)
    assert notifications.notify_comment(comment.pk) == 0
    assert smtp.messages == []


@pytest.mark.parametrize("code", [450, 550])
def test_a_refused_send_is_retried_and_then_sent_once(smtp, post, code):
    comment = make_comment(post, status=Status.APPROVED)
    smtp.refuse["wren@example.com"] = code
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        notifications.notify_comment(comment.pk)
    assert not CommentNotice.objects.exists()  # the claim went with the refused send
    smtp.refuse.clear()
    assert notifications.notify_comment(comment.pk) == 1
    assert notifications.notify_comment(comment.pk) == 0
    assert smtp.rcpt_counts() == {"wren@example.com": 1}


def test_a_send_that_could_not_connect_is_retried(smtp, post, settings):
    comment = make_comment(post, status=Status.APPROVED)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with pytest.raises(OSError):
        notifications.notify_comment(comment.pk)
    assert not CommentNotice.objects.exists()
    settings.EMAIL_PORT = smtp.port
    assert notifications.notify_comment(comment.pk) == 1
    assert smtp.rcpt_counts() == {"wren@example.com": 1}


class _HangUpAfterData:
    """An SMTP server that takes a message and hangs up instead of answering "250": the
    mail went, the sender cannot know (like a timeout after the server took it)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 hang-up.test ESMTP\r\n")
                for line in lines:
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        conn.sendall(b"354 go ahead\r\n")
                        message = b"".join(iter(lines.readline, b".\r\n"))
                        self.received.append(message)
                        break  # hang up without answering
                    elif verb == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        conn.sendall(b"250 ok\r\n")

    def close(self):
        self.listener.close()


def test_a_send_cut_off_after_the_server_took_it_is_not_sent_twice(smtp, post, settings):
    comment = make_comment(post, status=Status.APPROVED)
    hang_up = _HangUpAfterData()
    try:
        settings.EMAIL_PORT = hang_up.port
        assert notifications.notify_comment(comment.pk) == 0  # not known to be sent
        wait_for(lambda: len(hang_up.received) == 1)
        notice = CommentNotice.objects.get(kind="new_comment", comment=comment)
        assert notice.sent_at is None  # kept, unsent: at most once
        settings.EMAIL_PORT = smtp.port
        assert notifications.notify_comment(comment.pk) == 0  # the retry sends nothing
        assert tasks.notify_comment.apply(args=[comment.pk]).get() == 0
    finally:
        hang_up.close()
    assert smtp.messages == []
    assert len(hang_up.received) == 1


def test_a_member_gets_a_reply_mail_with_a_one_click_unsubscribe(
    smtp, client, post, editor, django_capture_on_commit_callbacks
):
    AuthorPreference.objects.create(user=post.author, notify_on_comment=False)
    asker = make_member(email="asker@example.com", name="Asker")
    question = make_comment(post, asker, status=Status.APPROVED, body="When?")
    answer = make_comment(
        post, make_member(name="Harbour Master"), body="At 7:10.", parent=question
    )
    approve(answer, editor, django_capture_on_commit_callbacks)

    smtp.wait_for_count(1)
    [mail] = smtp.to("asker@example.com")
    assert subject(mail) == "Harbour Master replied to your comment on “The new harbour”"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(mail["List-Unsubscribe"]).strip().strip("<>")
    assert link in mail.get_content()
    assert link.startswith("http://testserver/comments/replies/unsubscribe/")
    path = link.removeprefix("http://testserver")

    # A link scanner's GET changes nothing; the mail client's one-click POST unsubscribes.
    page = client.get(path)
    assert page.status_code == 200 and "Stop these mails" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex"
    assert not ReplyOptOut.objects.exists()
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "you will get no more mail" in done.content.decode()
    assert ReplyOptOut.objects.filter(member=asker).exists()
    assert client.post(path).status_code == 200  # twice: still fine

    again = make_comment(post, make_member(), body="Or 7:40.", parent=question)
    approve(again, editor, django_capture_on_commit_callbacks)
    assert smtp.rcpt_counts() == {"asker@example.com": 1}


def test_a_forged_or_damaged_unsubscribe_link_says_it_does_not_work(client):
    member = make_member()
    token = notifications.unsubscribe_token(member)
    forged = client.post(f"/comments/replies/unsubscribe/{token[:-3]}abc/")
    assert forged.status_code == 400
    assert not ReplyOptOut.objects.exists()
    damaged = client.get("/comments/replies/unsubscribe/garbage/")
    assert damaged.status_code == 400
    assert "This link does not work" in damaged.content.decode()
    assert "copy the whole link" in damaged.content.decode()


def test_no_reply_mail_to_oneself_or_to_a_member_who_takes_no_mail(
    smtp, post, editor, django_capture_on_commit_callbacks
):
    AuthorPreference.objects.create(user=post.author, notify_on_comment=False)
    talker = make_member(email="talker@example.com")
    first = make_comment(post, talker, status=Status.APPROVED)
    approve(make_comment(post, talker, parent=first), editor, django_capture_on_commit_callbacks)
    bounced = make_member(email="bounced@example.com")
    bounced.email_disabled_at = timezone.now()
    bounced.save()
    theirs = make_comment(post, bounced, status=Status.APPROVED)
    approve(make_comment(post, parent=theirs), editor, django_capture_on_commit_callbacks)
    assert smtp.messages == []


def test_editors_get_one_digest_per_hour_of_what_arrived_since_the_last(smtp, post):
    EditorFactory(email="ed@example.com")
    EditorFactory(email="quiet-ed@example.com")
    AuthorPreference.objects.create(
        user=EditorFactory(email="off@example.com"), pending_digest=False
    )
    quiet = get_user("quiet-ed@example.com")
    assert notifications.send_pending_digests() == 0  # nothing waiting: no mail
    first = make_comment(post, make_member(name="Kim"), body="First thought", minutes_ago=20)
    make_comment(post, status=Status.APPROVED, body="Already shown")

    assert tasks.send_pending_digest.apply().get() == 2
    assert notifications.send_pending_digests() == 0  # the same hour, the same comments
    assert smtp.rcpt_counts() == {"ed@example.com": 1, "quiet-ed@example.com": 1}
    [mail] = mails_to(smtp, "ed@example.com")
    assert subject(mail) == "1 comment waiting for approval"
    assert "Kim on “The new harbour”" in mail.get_content()
    assert "First thought" in mail.get_content()
    assert "Already shown" not in mail.get_content()
    assert "http://testserver/admin/comments/comment/" in mail.get_content()

    # An hour later, a second comment: the digest lists it alone.
    quiet.is_active = False
    quiet.save()
    make_comment(post, body="Second thought")
    later = timezone.now() + timedelta(hours=1)
    assert notifications.send_pending_digests(now=later) == 1
    latest = mails_to(smtp, "ed@example.com")[-1]
    assert "Second thought" in latest.get_content() and first.body not in latest.get_content()
    assert smtp.rcpt_counts()["ed@example.com"] == 2


def get_user(email):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


def test_the_digest_is_scheduled_hourly_by_setup_schedules():
    call_command("setup_schedules")
    task = PeriodicTask.objects.get(name="comments-pending-digest")
    assert task.task == "comments.tasks.send_pending_digest"
    assert task.interval.every == 3600
