"""An issue that has started going out keeps sending the e-mail it started with, stops
when its post is taken down (unpublished, expired, deleted), and never reaches a member
who left, bounced or was deleted after the recipients were listed.

Through the real SMTP server (the `smtp` fixture), tasks in-process; PostgreSQL and
SQLite alike.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.services import post_delete, post_unpublish, post_update
from members.models import Member
from newsletters import sending, tasks
from newsletters.models import Delivery, Issue, Newsletter, Subscription
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter(settings):
    settings.NEWSLETTER_BATCH_SIZE = 2
    return Newsletter.objects.create(name="The Tide Table", slug="tides")


def subscribe(newsletter: Newsletter, count: int) -> list[Member]:
    members = [
        Member.objects.create(email=f"reader{i}@example.org", status=Member.Status.ACTIVE)
        for i in range(count)
    ]
    Subscription.objects.bulk_create(Subscription(member=m, newsletter=newsletter) for m in members)
    return members


def issue_of(newsletter: Newsletter, **post_fields) -> Issue:
    post = PostFactory(title="High water", body="The *original* words.", **post_fields)
    return Issue.objects.create(newsletter=newsletter, post=post, subject=post.title)


def statuses(issue: Issue) -> dict[str, str]:
    return dict(issue.deliveries.values_list("email", "status"))


def test_later_batches_send_the_email_as_the_first_batch_rendered_it(smtp, newsletter):
    subscribe(newsletter, 4)
    issue = issue_of(newsletter)
    tasks.send_issue(issue.pk)  # the first batch: 2 members
    assert len(smtp.messages) == 2

    post_update(
        post=issue.post, data={"title": "Draft title", "body": "Unfinished *draft* words."},
        user=None,
    )  # fmt: skip
    tasks.send_issue(issue.pk)
    tasks.send_issue(issue.pk)

    assert len(smtp.messages) == 4
    assert {m["Subject"] for m in smtp.messages} == {"High water"}
    for message in smtp.messages:
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "original" in text and "original" in html
        assert "draft" not in text.lower() and "draft" not in html.lower()
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_an_issue_whose_post_is_unpublished_stops_and_the_rest_are_cancelled(smtp, newsletter):
    subscribe(newsletter, 5)
    issue = issue_of(newsletter)
    tasks.send_issue(issue.pk)
    assert len(smtp.messages) == 2

    post_unpublish(post=issue.post, user=None)
    tasks.send_issue(issue.pk)
    tasks.reconcile_issues()

    assert len(smtp.messages) == 2
    cancelled = issue.deliveries.filter(status=Delivery.Status.CANCELLED)
    assert cancelled.count() == 3
    assert {d.error for d in cancelled} == {"the post was taken down before it reached them"}
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
    counted = sending.issue_counts(Issue.objects.filter(pk=issue.pk)).get()
    assert (counted.sent_count, counted.cancelled_count, counted.pending_count) == (2, 3, 0)


def test_an_expired_post_stops_its_issue(smtp, newsletter, time_machine):
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    subscribe(newsletter, 4)
    issue = issue_of(newsletter, expires_at=now + timedelta(minutes=5))
    tasks.send_issue(issue.pk)

    time_machine.move_to(now + timedelta(minutes=6), tick=False)
    tasks.reconcile_issues()  # the in-process schedule, after the post expired

    assert len(smtp.messages) == 2
    assert sorted(statuses(issue).values()) == ["cancelled", "cancelled", "sent", "sent"]


def test_a_deleted_post_stops_its_issue_without_an_error(smtp, newsletter):
    subscribe(newsletter, 4)
    issue = issue_of(newsletter)
    tasks.send_issue(issue.pk)

    post_delete(post=issue.post)
    issue.refresh_from_db()
    assert issue.post is None and issue.week is None
    tasks.send_issue(issue.pk)

    assert len(smtp.messages) == 2
    assert sorted(statuses(issue).values()) == ["cancelled", "cancelled", "sent", "sent"]
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_a_post_taken_down_before_its_first_batch_sends_nothing(smtp, newsletter):
    subscribe(newsletter, 3)
    issue = issue_of(newsletter)
    post_unpublish(post=issue.post, user=None)

    tasks.send_issue(issue.pk)

    assert smtp.messages == []
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.frozen_mail is None


def test_members_who_left_after_the_list_was_drawn_are_not_sent_it(smtp, newsletter, settings):
    settings.NEWSLETTER_BATCH_SIZE = 100
    members = subscribe(newsletter, 6)
    issue = issue_of(newsletter)
    assert sending.list_recipients(issue) == 6
    unsubscribed, bounced, deleted, suppressed, moved_on, stays = members

    Subscription.objects.filter(member=unsubscribed).delete()
    Member.objects.filter(pk=bounced.pk).update(email_disabled_at=timezone.now())
    deleted.delete()
    Member.objects.filter(pk=suppressed.pk).update(status=Member.Status.PENDING)
    Subscription.objects.filter(member=moved_on).update(
        newsletter=Newsletter.objects.create(name="Other", slug="other")
    )
    result = sending.send_batch(issue.pk)

    assert smtp.rcpt_counts() == {stays.email: 1}
    assert result.sent == 1 and result.cancelled == 5
    assert issue.deliveries.filter(status=Delivery.Status.CANCELLED).count() == 5
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
