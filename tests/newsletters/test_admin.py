"""What the editor sees of a newsletter send: the post form's box, the issues and their
deliveries, the newsletters with their subscribers."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import Member
from newsletters import sending
from newsletters.models import Delivery, Issue, Newsletter, Subscription
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter():
    newsletter = Newsletter.objects.create(name="Morning Post", slug="morning")
    for i in range(6):
        member = Member.objects.create(email=f"r{i}@example.org", status=Member.Status.ACTIVE)
        Subscription.objects.create(member=member, newsletter=newsletter)
    gone = Member.objects.create(
        email="gone@example.org", status="active", email_disabled_at=timezone.now()
    )
    Subscription.objects.create(member=gone, newsletter=newsletter)
    return newsletter


def sent_issue(newsletter, post=None, opened=False) -> Issue:
    issue = Issue.objects.create(newsletter=newsletter, post=post, subject="Hello")
    sending.list_recipients(issue)
    rows = list(issue.deliveries.order_by("pk"))
    for row, status in zip(rows, ["sent", "sent", "failed", "uncertain", "bounced"], strict=False):
        Delivery.objects.filter(pk=row.pk).update(status=status)
    if opened:
        Delivery.objects.filter(pk=rows[0].pk).update(opened_at=timezone.now())
    return issue


def box(response) -> dict[str, str]:
    soup = BeautifulSoup(response.content, "html.parser")
    section = soup.find(id="post-newsletter")
    assert section is not None
    return {
        "text": " ".join(section.get_text(" ").split()),
        **{td["data-count"]: td.get_text(strip=True) for td in section.select("td[data-count]")},
    }


def test_the_post_form_shows_the_newsletter_and_its_counts(admin_client, newsletter):
    post = PostFactory(newsletter=newsletter)
    sent_issue(newsletter, post, opened=True)

    shown = box(admin_client.get(f"/admin/blog/post/{post.pk}/change/"))

    assert "Morning Post" in shown["text"]
    assert shown["recipients"] == "6"
    assert (shown["sent"], shown["failed"], shown["pending"]) == ("3", "1", "1")
    assert (shown["uncertain"], shown["bounced"], shown["opened"]) == ("1", "1", "1")


def test_opened_is_left_out_when_no_provider_reported_any(admin_client, newsletter):
    post = PostFactory(newsletter=newsletter)
    sent_issue(newsletter, post)
    shown = box(admin_client.get(f"/admin/blog/post/{post.pk}/change/"))
    assert "opened" not in shown and shown["sent"] == "3"


def test_before_it_goes_the_box_says_where_it_will_go(admin_client, newsletter):
    post = PostFactory(newsletter=newsletter, draft=True)
    shown = box(admin_client.get(f"/admin/blog/post/{post.pk}/change/"))
    assert "Will be e-mailed to the members of Morning Post when it goes public" in shown["text"]

    plain = PostFactory(draft=True)
    shown = box(admin_client.get(f"/admin/blog/post/{plain.pk}/change/"))
    assert "Not e-mailed" in shown["text"]


def test_the_box_costs_one_query(admin_client, newsletter):
    post = PostFactory(newsletter=newsletter)
    sent_issue(newsletter, post)
    url = f"/admin/blog/post/{post.pk}/change/"
    admin_client.get(url)
    with_issue = count_queries(admin_client, url)
    Issue.objects.all().delete()
    without = count_queries(admin_client, url)
    assert with_issue == without  # one query either way: the counts, or finding none


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_issue_and_delivery_lists_with_counts(admin_client, newsletter):
    issue = sent_issue(newsletter)
    response = admin_client.get("/admin/newsletters/issue/")
    assert response.status_code == 200
    row = BeautifulSoup(response.content, "html.parser").select_one("#result_list tbody tr")
    cells = {td["class"][0].removeprefix("field-"): td.get_text(strip=True) for td in row("td")}
    assert cells["recipients_link"] == "6"
    assert (cells["sent"], cells["failed"], cells["uncertain"]) == ("3", "1", "1")

    deliveries = admin_client.get(f"/admin/newsletters/delivery/?issue__id__exact={issue.pk}")
    assert deliveries.status_code == 200
    assert deliveries.content.count(b"@example.org") >= 6
    assert admin_client.get("/admin/newsletters/issue/add/").status_code == 403


def test_newsletter_list_counts_subscribers_who_receive_it(admin_client, newsletter):
    response = admin_client.get("/admin/newsletters/newsletter/")
    row = BeautifulSoup(response.content, "html.parser").select_one("#result_list tbody tr")
    assert row.select_one(".field-subscribers").get_text(strip=True) == "6"


def test_deliveries_cancelled_by_a_take_down_are_counted_in_the_box(admin_client, newsletter):
    post = PostFactory(newsletter=newsletter)
    issue = sent_issue(newsletter, post)
    assert "cancelled" not in box(admin_client.get(f"/admin/blog/post/{post.pk}/change/"))

    sending.cancel_issue(issue.pk, sending.TAKEN_DOWN)  # the one pending delivery
    shown = box(admin_client.get(f"/admin/blog/post/{post.pk}/change/"))

    assert (shown["cancelled"], shown["pending"]) == ("1", "0")
    assert "the post was taken down" in shown["text"]
