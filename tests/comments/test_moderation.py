"""Moderation in the admin (issue 32, point 2): the queue, bulk actions, bans, a member's
history, the log, who may moderate what, and the comment settings, blocklist and bans."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import events, moderation
from comments.models import (
    AuthorPreference,
    BlockedTerm,
    Comment,
    CommentBan,
    CommentPolicy,
    ModerationAction,
)
from tests.comments.moderation_data import make_comment, make_member
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/comment/"
Status = Comment.Status


def rows(response) -> list[str]:
    """The comment ids of the change list's rows, in order."""
    return re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())


def act(client, action: str, comments, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in comments], **extra}
    return client.post(QUEUE + "?status=all", data, follow=True)


@pytest.fixture
def heard():
    """The comments' signals as they are sent: [(signal name, comment id)]."""
    got = []

    def listener(name):
        def receive(sender, comment, **kwargs):
            got.append((name, comment.pk))

        return receive

    receivers = {
        "approved": listener("approved"),
        "removed": listener("removed"),
    }
    events.comment_approved.connect(receivers["approved"], dispatch_uid="test-approved")
    events.comment_removed.connect(receivers["removed"], dispatch_uid="test-removed")
    yield got
    events.comment_approved.disconnect(dispatch_uid="test-approved")
    events.comment_removed.disconnect(dispatch_uid="test-removed")


def test_the_queue_shows_waiting_comments_first_and_oldest_first_with_counts(client_for, editor):
    post = PostFactory(title="The harbour")
    newer = make_comment(post, minutes_ago=5, body="Newer one")
    older = make_comment(post, minutes_ago=50, body="Older one")
    approved = make_comment(post, status=Status.APPROVED, minutes_ago=90)
    make_comment(post, status=Status.SPAM)

    response = client_for(editor).get(QUEUE)
    assert response.status_code == 200
    assert rows(response) == [str(older.pk), str(newer.pk)]  # Waiting is the default
    page = response.content.decode()
    for label in ("Waiting (2)", "Approved (1)", "Spam (1)", "Removed (0)", "All (4)"):
        assert label in page
    assert "Moderation queue" in page
    assert "The harbour" in page and "Older one" in page

    everything = client_for(editor).get(QUEUE + "?status=all")
    assert rows(everything)[:2] == [str(older.pk), str(newer.pk)]  # waiting first
    assert str(approved.pk) in rows(everything)
    searched = client_for(editor).get(QUEUE + "?status=all&q=older")
    assert rows(searched) == [str(older.pk)]


def test_bulk_approve_spam_remove_and_restore_are_logged_and_signalled(client_for, editor, heard):
    post = PostFactory()
    one, two, three = (make_comment(post) for _ in range(3))
    client = client_for(editor)

    response = act(client, "bulk_approve_selected", [one, two])
    assert "2 comments approved." in response.content.decode()
    act(client, "bulk_mark_spam_selected", [three])
    act(client, "bulk_remove_selected", [two])
    act(client, "bulk_approve_selected", [one])  # already approved: nothing, no log

    statuses = dict(Comment.objects.values_list("pk", "status"))
    assert statuses == {one.pk: Status.APPROVED, two.pk: Status.REMOVED, three.pk: Status.SPAM}
    assert Comment.objects.get(pk=one.pk).approved_at is not None
    log = list(ModerationAction.objects.order_by("pk").values_list("comment", "action", "actor"))
    assert log == [
        (one.pk, "approve", editor.pk),
        (two.pk, "approve", editor.pk),
        (three.pk, "spam", editor.pk),
        (two.pk, "remove", editor.pk),
    ]
    assert heard == [
        ("approved", one.pk),
        ("approved", two.pk),
        ("removed", three.pk),
        ("removed", two.pk),
    ]

    act(client, "bulk_restore_selected", [three])
    assert Comment.objects.get(pk=three.pk).status == Status.PENDING
    assert ModerationAction.objects.filter(comment=three, action="restore").count() == 1


def test_one_comment_is_moderated_from_its_page_with_its_log(client_for, editor):
    comment = make_comment(PostFactory(), body="Judge me")
    client = client_for(editor)
    url = f"{QUEUE}{comment.pk}/change/"
    page = client.get(url).content.decode()
    assert "Judge me" in page
    assert 'name="_moderate" value="approve"' in page
    assert 'name="_save"' not in page  # read-only: the words are the member's

    response = client.post(url, {"_moderate": "approve"}, follow=True)
    assert "The comment was approved." in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Status.APPROVED
    page = client.get(url).content.decode()
    assert "Moderation log" in page and "Approved" in page


def test_authors_moderate_the_comments_on_their_own_posts_only(client_for):
    writer, colleague, stranger = AuthorFactory(), AuthorFactory(), AuthorFactory()
    own = make_comment(PostFactory(author=writer))
    shared = make_comment(PostFactory(authors=[colleague, writer]))  # co-author
    other = make_comment(PostFactory(author=stranger))
    client = client_for(writer)

    response = client.get(QUEUE)
    assert sorted(rows(response)) == sorted([str(own.pk), str(shared.pk)])
    assert "All (2)" in response.content.decode()
    assert client.get(f"{QUEUE}{other.pk}/change/").status_code in (302, 403, 404)
    assert client.post(f"{QUEUE}{other.pk}/change/", {"_moderate": "approve"}).status_code in (
        302,
        403,
        404,
    )
    act(client, "bulk_approve_selected", [own, other])  # the other one is not in their queue
    assert Comment.objects.get(pk=own.pk).status == Status.APPROVED
    assert Comment.objects.get(pk=other.pk).status == Status.PENDING
    assert "ban_members" not in client.get(QUEUE).content.decode()  # editors ban
    assert client.get("/admin/comments/commentpolicy/").status_code == 403
    assert client.get("/admin/comments/blockedterm/").status_code == 403


def test_contributors_moderate_nothing(client_for, contributor):
    make_comment(PostFactory(author=contributor))
    client = client_for(contributor)
    assert client.get(QUEUE).status_code == 403
    assert "waiting for approval" not in client.get("/admin/").content.decode()


def test_the_admin_home_counts_waiting_comments_and_links_to_the_queue(client_for, editor):
    post = PostFactory()
    for _ in range(3):
        make_comment(post)
    make_comment(post, status=Status.APPROVED)
    page = client_for(editor).get("/admin/").content.decode()
    assert re.search(r"<strong>3</strong> comments waiting for approval", page)
    assert 'href="/admin/comments/comment/?status=pending"' in page


def test_ban_the_members_of_selected_comments_with_a_reason(client_for, editor):
    post = PostFactory()
    troll = make_member(email="troll@example.com")
    first, second = make_comment(post, troll), make_comment(post, troll)
    client = client_for(editor)

    asked = client.post(
        QUEUE, {"action": "ban_members", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}
    )
    assert asked.status_code == 200
    assert "troll@example.com" in asked.content.decode()
    assert not CommentBan.objects.exists()  # not before the moderator confirms

    done = client.post(
        QUEUE,
        {
            "action": "ban_members",
            ACTION_CHECKBOX_NAME: [first.pk, second.pk],
            "apply": "Ban",
            "reason": "Insults",
        },
        follow=True,
    )
    assert "1 member banned from commenting." in done.content.decode()
    ban = CommentBan.objects.get(member=troll)
    assert (ban.reason, ban.banned_by) == ("Insults", editor)
    assert ModerationAction.objects.filter(member=troll, action="ban", note="Insults").count() == 1
    assert "(banned)" in client.get(QUEUE).content.decode()

    moderation.ban_member(troll, editor, "Insults")  # again: no second log entry
    assert ModerationAction.objects.filter(member=troll, action="ban").count() == 1
    assert moderation.unban_member(troll, editor)
    assert not moderation.unban_member(troll, editor)
    assert ModerationAction.objects.filter(member=troll, action="unban").count() == 1


def test_a_members_history_lists_their_comments_and_their_log(client_for, editor):
    member = make_member(email="kim@example.com", name="Kim")
    post = PostFactory()
    theirs = [make_comment(post, member), make_comment(post, member, status=Status.SPAM)]
    make_comment(post)  # someone else's
    moderation.ban_member(member, editor, "Spam links")
    client = client_for(editor)

    history = client.get(f"{QUEUE}?member__id__exact={member.pk}&status=all")
    assert sorted(rows(history)) == sorted(str(c.pk) for c in theirs)
    page = history.content.decode()
    assert "Comments by Kim" in page and "Spam links" in page
    assert f"/admin/comments/moderationaction/?member__id__exact={member.pk}" in page

    log = client.get(f"/admin/comments/moderationaction/?member__id__exact={member.pk}")
    assert log.status_code == 200
    assert "Banned the member" in log.content.decode()
    entry = ModerationAction.objects.get(member=member)
    change = client.get(f"/admin/comments/moderationaction/{entry.pk}/change/").content.decode()
    assert 'name="_save"' not in change  # read-only
    assert client.get("/admin/comments/moderationaction/add/").status_code == 403


def test_the_queue_costs_the_same_queries_for_5_or_40_comments(client_for, editor):
    client = client_for(editor)
    post = PostFactory()
    counts = []
    for total in (5, 40):
        Comment.objects.all().delete()
        for _ in range(total):
            make_comment(post)
        client.get(QUEUE)  # session and permission caches warm
        with CaptureQueriesContext(connection) as queries:
            assert len(rows(client.get(QUEUE))) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_comment_settings_are_one_row_that_editors_change(client_for, editor):
    client = client_for(editor)
    response = client.get("/admin/comments/commentpolicy/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/comments/commentpolicy/1/change/"
    form = {
        "enabled": "on",
        "close_after_days": "30",
        "first_comment_needs_approval": "on",
        "max_links": "1",
        "min_seconds_to_post": "4",
    }
    saved = client.post("/admin/comments/commentpolicy/1/change/", form, follow=True)
    assert saved.redirect_chain[-1][0] == "/admin/comments/commentpolicy/1/change/"
    assert "The comment settings are saved." in saved.content.decode()
    assert "was changed successfully" not in saved.content.decode()
    policy = CommentPolicy.objects.get(pk=1)
    assert (policy.max_links, policy.close_after_days, policy.min_seconds_to_post) == (1, 30, 4)
    assert client.get("/admin/comments/commentpolicy/add/").status_code == 403


def test_the_blocklist_keeps_domains_bare_and_words_lower_case(client_for, editor):
    client = client_for(editor)
    client.post(
        "/admin/comments/blockedterm/add/", {"term": "https://WWW.Spam.Example/x", "kind": "domain"}
    )
    client.post("/admin/comments/blockedterm/add/", {"term": "  Cheap   PILLS ", "kind": "word"})
    assert set(BlockedTerm.objects.values_list("kind", "term")) == {
        ("domain", "spam.example"),
        ("word", "cheap pills"),
    }
    again = client.post(
        "/admin/comments/blockedterm/add/", {"term": "spam.EXAMPLE", "kind": "domain"}
    )
    assert again.status_code == 200  # refused: it is there already
    assert BlockedTerm.objects.count() == 2
    page = client.get("/admin/comments/blockedterm/").content.decode()
    assert 'name="form-0-term"' in page  # editable in the list


def test_bans_added_and_lifted_in_their_admin_are_logged(client_for, editor):
    member = make_member()
    client = client_for(editor)
    client.post("/admin/comments/commentban/add/", {"member": member.pk, "reason": "Flooding"})
    ban = CommentBan.objects.get(member=member)
    assert ban.banned_by == editor
    client.post(f"/admin/comments/commentban/{ban.pk}/delete/", {"post": "yes"})
    assert not CommentBan.objects.exists()
    actions = list(ModerationAction.objects.order_by("pk").values_list("action", "note"))
    assert actions == [("ban", "Flooding"), ("unban", "")]


def test_writers_turn_their_comment_mail_off_in_the_admin(client_for):
    writer = AuthorFactory()
    client = client_for(writer)
    opened = client.get("/admin/comments/authorpreference/")
    row = AuthorPreference.objects.get(user=writer)
    assert opened["Location"] == f"/admin/comments/authorpreference/{row.pk}/change/"
    page = client.get(opened["Location"]).content.decode()
    assert "pending_digest" not in page  # the digest is for editors
    client.post(opened["Location"], {})  # the box unticked
    row.refresh_from_db()
    assert row.notify_on_comment is False
    someone_else = AuthorPreference.objects.create(user=AuthorFactory())
    assert client.get(
        f"/admin/comments/authorpreference/{someone_else.pk}/change/"
    ).status_code in (
        302,
        403,
        404,
    )


def test_an_author_learns_nothing_of_members_who_never_commented_on_their_posts(client_for):
    writer = AuthorFactory()
    elsewhere = make_member(email="private@example.com", name="Private Person")
    make_comment(PostFactory(), elsewhere)
    page = client_for(writer).get(f"{QUEUE}?member__id__exact={elsewhere.pk}&status=all")
    assert page.status_code == 200
    assert rows(page) == []
    assert "private@example.com" not in page.content.decode()
    assert "Private Person" not in page.content.decode()


def deleted_by_its_member(post) -> Comment:
    comment = make_comment(post, status=Status.APPROVED, body="Take it back")
    Comment.objects.filter(pk=comment.pk).update(status=Status.REMOVED, body="", body_html="")
    comment.refresh_from_db()
    return comment


def test_a_comment_its_member_deleted_is_never_brought_back_by_the_admin(client_for, editor):
    post = PostFactory()
    gone, other = deleted_by_its_member(post), make_comment(post)
    removed_by_us = make_comment(post, status=Status.REMOVED, body="Rude")
    client = client_for(editor)

    response = act(client, "bulk_approve_selected", [gone, other]).content.decode()
    assert "1 comment approved." in response
    assert "1 comment deleted by its member was skipped: it cannot be shown again." in response
    act(client, "bulk_restore_selected", [gone, removed_by_us])
    act(client, "bulk_mark_spam_selected", [gone])
    assert Comment.objects.get(pk=gone.pk).status == Status.REMOVED
    assert Comment.objects.get(pk=removed_by_us.pk).status == Status.PENDING  # a moderator's

    page = client.post(f"{QUEUE}{gone.pk}/change/", {"_moderate": "approve"}, follow=True)
    assert "Its member deleted this comment: it cannot be shown again." in page.content.decode()
    assert Comment.objects.get(pk=gone.pk).status == Status.REMOVED
    assert not ModerationAction.objects.filter(comment=gone).exists()


def test_moderation_itself_refuses_to_show_a_comment_its_member_deleted(editor):
    gone = deleted_by_its_member(PostFactory())
    for act_on in (moderation.approve, moderation.restore, moderation.mark_spam):
        with pytest.raises(moderation.DeletedByMember):
            act_on(gone, editor)
    assert moderation.bulk_approve(Comment.objects.filter(pk=gone.pk), editor) == 0
    assert moderation.remove(gone, editor) is False  # removed already: nothing to do
    assert Comment.objects.get(pk=gone.pk).status == Status.REMOVED


def test_a_comment_is_named_by_its_posts_title_in_the_admin(client_for, editor):
    post = PostFactory(title="The harbour")
    comment = make_comment(post, member=make_member(name="Rita"), body="Lovely light")
    assert str(comment) == "Rita on “The harbour”: Lovely light"
    page = client_for(editor).get(f"{QUEUE}{comment.pk}/change/").content.decode()
    assert "Rita on “The harbour”: Lovely light" in page
