"""A member's personal data in comments (comments/privacy.py): forgotten when the member
is deleted, included in "export my data"."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from comments import moderation, services
from comments.models import Comment, CommentBan, CommentNotice, ModerationAction, ReplyOptOut
from comments.privacy import DELETED_NAME
from members import services as members
from tests.comments.conftest import create_member
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_a_deleted_members_comments_stay_without_their_name_or_addresses(
    editor, trusting, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Harbour lights")
    ada = create_member("Ada@Example.org", "Ada Lovelace")
    eve = create_member("eve@example.org", "Eve")
    said = services.post_comment(post=post, member=ada, body="Lovely lamps", client_ip="192.0.2.4")
    answer = services.post_comment(
        post=post, member=eve, body="Agreed", parent=said, client_ip="192.0.2.9"
    )
    CommentNotice.objects.create(kind="reply", comment=answer, email="ada@example.org")
    ReplyOptOut.objects.create(member=ada)
    moderation.ban_member(ada, editor, "Enough")
    reader = Client()
    assert "Ada Lovelace" in reader.get(post.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        members.delete_member(ada)

    said.refresh_from_db()
    assert (said.member_id, said.author_name, said.author_email, said.client_ip) == (
        None,
        DELETED_NAME,
        "",
        None,
    )
    assert said.body == "Lovely lamps" and said.status == Comment.Status.APPROVED
    answer.refresh_from_db()  # another member's reply: untouched
    assert (answer.author_name, answer.author_email, answer.client_ip) == (
        "Eve",
        "eve@example.org",
        "192.0.2.9",
    )
    assert not CommentNotice.objects.filter(email="ada@example.org").exists()
    assert not ReplyOptOut.objects.exists() and not CommentBan.objects.exists()
    assert ModerationAction.objects.filter(action="ban", member=None).count() == 1
    assert not Comment.objects.filter(author_email__icontains="ada").exists()
    page = reader.get(post.get_absolute_url()).content.decode()  # the kept thread forgotten
    assert "Ada Lovelace" not in page and DELETED_NAME in page and "Lovely lamps" in page


def test_export_my_data_includes_the_members_comments(commenter_client, editor):
    member = commenter_client.member
    post = PostFactory(title="Harbour lights")
    first = services.post_comment(post=post, member=member, body="First", client_ip="192.0.2.4")
    services.approve(first, editor)
    services.post_comment(post=post, member=create_member("eve@example.org"), body="Not Ada's")
    ReplyOptOut.objects.create(member=member)
    moderation.ban_member(member, editor, "Moderators' reason")

    response = commenter_client.get("/members/account/export/")
    assert response.status_code == 200
    data = json.loads(response.content)
    [comment] = data["comments"]
    assert comment["body"] == "First" and comment["status"] == "approved"
    assert comment["post"] == "Harbour lights"
    assert comment["url"].endswith(f"{post.get_absolute_url()}#comment-{first.pk}")
    assert comment["client_ip"] == "192.0.2.4" and comment["author_email"] == member.email
    assert comment["approved_at"] and comment["created_at"]
    assert data["comment_settings"]["reply_mail_off_since"]
    assert data["comment_settings"]["banned_since"]
    assert "Moderators' reason" not in response.content.decode()
    assert "Not Ada's" not in response.content.decode()
    assert data["member"]["email"] == member.email and data["exported_at"]
