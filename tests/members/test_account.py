"""/members/account/: name, newsletters, export, delete, sign out everywhere."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from members import events
from members.models import Member, SignInLink
from newsletters.models import Delivery, Issue, Subscription
from newsletters.subscriptions import subscribe
from tests.members.conftest import last_link_to, newsletter

pytestmark = pytest.mark.django_db


def test_only_signed_in_members_reach_the_account(client, member, sign_in):
    for url in [
        "/members/account/",
        "/members/account/export/",
        "/members/account/delete/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/members/signin/"
    assert client.post("/members/account/delete/").status_code == 302
    assert Member.objects.filter(pk=member.pk).exists()
    sign_in(member)
    page = client.get("/members/account/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]


def test_a_member_changes_name_and_newsletters(client, member, sign_in):
    morning, evening, extra = (newsletter(n) for n in ("Morning", "Evening", "Extra"))
    archived = newsletter("Old", active=False)
    subscribe(member, [morning])
    Subscription.objects.create(member=member, newsletter=archived)
    sign_in(member)
    html = client.get("/members/account/").content.decode()
    assert 'value="Ada"' in html
    assert (
        f'value="{morning.pk}"' in html and "checked" in html.split(f'value="{morning.pk}"')[1][:40]
    )
    assert "Old" not in html  # archived: not offered

    saved = client.post(
        "/members/account/", {"name": "Ada L.", "newsletters": [evening.pk, extra.pk]}
    )
    assert saved.status_code == 302
    member.refresh_from_db()
    assert member.name == "Ada L."
    names = set(member.newsletters.values_list("name", flat=True))
    assert names == {"Evening", "Extra", "Old"}  # the archived one is left as it was
    assert "Saved." in client.get("/members/account/").content.decode()

    assert (
        client.post("/members/account/", {"name": "Ada", "newsletters": [archived.pk]}).status_code
        == 400
    )
    assert client.post("/members/account/", {"name": ""}).status_code == 302
    assert set(member.newsletters.values_list("name", flat=True)) == {"Old"}


def _delivery(member: Member, subject: str, status=Delivery.Status.SENT) -> Delivery:
    issue = Issue.objects.create(newsletter=newsletter(subject), subject=subject)
    return Delivery.objects.create(
        issue=issue, member=member, email=member.email, status=status, sent_at=timezone.now()
    )


def test_export_my_data_is_everything_kept_and_no_token_hash(
    client, member, sign_in, smtp, post_on_commit
):
    weekly = newsletter("Weekly")
    subscribe(member, [weekly])
    _delivery(member, "Lamps are lit")
    Member.objects.filter(pk=member.pk).update(note="Editors only")
    post_on_commit("/members/signin/", {"email": member.email})
    post_on_commit(last_link_to(smtp, member.email))  # signed in by the link
    response = client.get("/members/account/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    data = json.loads(response.content)
    assert data["member"]["email"] == "ada@example.com" and data["member"]["name"] == "Ada"
    assert data["member"]["status"] == "active" and data["member"]["confirmed_at"]
    assert data["subscriptions"] == [
        {"newsletter": "Weekly", "slug": "weekly", "since": data["subscriptions"][0]["since"]}
    ]
    assert [(d["issue"], d["status"]) for d in data["deliveries"]] == [("Lamps are lit", "sent")]
    assert data["deliveries"][0]["sent_at"]
    [link] = data["sign_in_links"]
    assert link["purpose"] == "sign_in" and link["used_at"] and link["sent_at"]
    text = response.content.decode()
    assert SignInLink.objects.get().token_hash not in text
    assert "token" not in text and "Editors only" not in text


def test_delete_my_account_really_deletes_and_anonymises_deliveries(client, member, sign_in):
    delivered = _delivery(member, "Lamps are lit")
    subscribe(member, [newsletter("Weekly")])
    SignInLink.objects.create(
        member=member, email=member.email, purpose="sign_in", token_hash="0" * 64,
        expires_at=timezone.now(),
    )  # fmt: skip
    seen = []

    def receiver(sender, member, **kwargs):
        seen.append((member.email, Member.objects.filter(pk=member.pk).exists()))

    events.member_deleted.connect(receiver)
    try:
        sign_in(member)
        confirm = client.get("/members/account/delete/")
        assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
        assert Member.objects.filter(pk=member.pk).exists()  # the GET deletes nothing
        gone = client.post("/members/account/delete/")
    finally:
        events.member_deleted.disconnect(receiver)
    assert gone.status_code == 200 and "Your account is deleted" in gone.content.decode()
    assert seen == [("ada@example.com", True)]  # sent while the row was still there
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not Subscription.objects.exists() and not SignInLink.objects.exists()
    delivered.refresh_from_db()
    assert (delivered.member_id, delivered.email, delivered.status) == (None, "", "sent")
    assert not Delivery.objects.filter(email__icontains="ada").exists()
    assert client.get("/members/account/").status_code == 302


def test_sign_out_everywhere_signs_out_another_browser(client, member, sign_in):
    other = sign_in(member, Client())
    sign_in(member)
    assert other.get("/members/account/").status_code == 200
    response = client.post("/members/account/sign-out-everywhere/")
    assert response.status_code == 200 and "Signed out everywhere" in response.content.decode()
    assert other.get("/members/account/").status_code == 302
    assert client.get("/members/account/").status_code == 302
    member.refresh_from_db()
    assert member.session_epoch == 1
    sign_in(member)  # a new sign-in works again
    assert client.get("/members/account/").status_code == 200


def test_a_member_is_not_a_staff_login(client, member, sign_in):
    sign_in(member)
    admin = client.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
    assert client.get("/api/members/").status_code in {401, 403, 404}


def test_the_account_page_costs_the_same_queries_with_1_or_5_newsletters(
    client, member, sign_in, django_assert_num_queries
):
    sign_in(member)
    subscribe(member, [newsletter("First")])
    client.get("/members/account/")  # the layout's kept pieces, the site settings
    with django_assert_num_queries(4) as one:
        assert client.get("/members/account/").status_code == 200
    subscribe(member, [newsletter(f"More {n}") for n in range(4)])
    with django_assert_num_queries(4) as five:
        html = client.get("/members/account/").content.decode()
    assert html.count('type="checkbox"') == 5 and html.count("checked") == 5
    assert len(one.captured_queries) == len(five.captured_queries)
