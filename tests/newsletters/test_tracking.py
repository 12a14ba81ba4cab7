"""Bounce and complaint webhooks: the providers' documented payloads, posted to our
/anymail/ endpoints with anymail's own checks (basic auth, Mailgun's signature), switch
the member's mail off; a wrong secret or signature is refused and changes nothing.

Payloads: Postmark's bounce and spam complaint webhooks
(postmarkapp.com/developer/webhooks/bounce-webhook, …/spam-complaint-webhook), Mailgun's
"failed" and "complained" events (documentation.mailgun.com, webhooks' event-data).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from members.models import Member
from newsletters import sending
from newsletters.models import Delivery, Issue, Newsletter, Subscription

pytestmark = pytest.mark.django_db

SECRET = "hooks:5ecret-for-tests"
MAILGUN_KEY = "mailgun-signing-key-for-tests"


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


@pytest.fixture
def sent_issue():
    """An issue sent to three members, each delivery with the provider's message id."""
    newsletter = Newsletter.objects.create(name="News", slug="news")
    members = [
        Member.objects.create(email=f"reader{i}@example.org", status=Member.Status.ACTIVE)
        for i in range(3)
    ]
    for member in members:
        Subscription.objects.create(member=member, newsletter=newsletter)
    issue = Issue.objects.create(newsletter=newsletter, subject="Sent")
    sending.list_recipients(issue)
    for i, delivery in enumerate(issue.deliveries.order_by("email")):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, message_id=f"883953f4-6105-42a2-a16a-77a8eac7948{i}"
        )
    return issue


def basic_auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_bounce(email: str, message_id: str, type_: str = "HardBounce", **more) -> dict:
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": 4323372036854775807,
        "Type": type_,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "Test",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "Test bounce details",
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Test subject",
        "Content": "<Full dump of bounce>",
        **more,
    }


def postmark_complaint(email: str, message_id: str) -> dict:
    return {
        "RecordType": "SpamComplaint",
        "MessageStream": "outbound",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "Name": "Spam complaint",
        "Tag": "Test",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 1234,
        "Description": "",
        "Details": "Test spam complaint details",
        "Email": email,
        "From": "sender@example.com",
        "BouncedAt": "2019-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": False,
        "Subject": "Test subject",
        "Content": "<Abuse report dump>",
    }


def mailgun_event(event: str, email: str, message_id: str, key: str = MAILGUN_KEY, **more):
    timestamp, token = "1529006854", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()},
        "event-data": {
            "event": event,
            "id": "G9Bn5sl1TC6nu79C8C0bwg",
            "timestamp": 1521233123.501324,
            "recipient": email,
            "recipient-domain": "example.org",
            "message": {"headers": {"message-id": message_id}},
            "tags": [],
            "user-variables": {},
            **more,
        },
    }


def post(client, url: str, payload: dict, auth: dict | None = None):
    return client.post(
        url, json.dumps(payload), content_type="application/json", **(auth or basic_auth())
    )


def member(email: str) -> Member:
    return Member.objects.get(email=email)


def test_a_postmark_hard_bounce_switches_the_members_mail_off(client, sent_issue):
    target = sent_issue.deliveries.get(email="reader0@example.org")
    response = post(
        client, "/anymail/postmark/tracking/", postmark_bounce(target.email, target.message_id)
    )
    assert response.status_code == 200
    bounced = member("reader0@example.org")
    assert bounced.email_disabled_at is not None
    assert "Postmark reported bounced" in bounced.email_disabled_reason
    assert Delivery.objects.get(pk=target.pk).status == Delivery.Status.BOUNCED
    assert member("reader1@example.org").email_disabled_at is None

    # The next issue leaves them out.
    issue = Issue.objects.create(newsletter=sent_issue.newsletter, subject="Next")
    sending.list_recipients(issue)
    assert set(issue.deliveries.values_list("email", flat=True)) == {
        "reader1@example.org",
        "reader2@example.org",
    }


def test_a_postmark_soft_bounce_stops_nothing(client, sent_issue):
    target = sent_issue.deliveries.get(email="reader0@example.org")
    payload = postmark_bounce(target.email, target.message_id, "SoftBounce", Inactive=False)
    assert post(client, "/anymail/postmark/tracking/", payload).status_code == 200
    assert member(target.email).email_disabled_at is None
    assert Delivery.objects.get(pk=target.pk).status == Delivery.Status.SENT


def test_a_postmark_spam_complaint_switches_mail_off(client, sent_issue):
    target = sent_issue.deliveries.get(email="reader2@example.org")
    payload = postmark_complaint("Reader2@Example.org", target.message_id)
    assert post(client, "/anymail/postmark/tracking/", payload).status_code == 200
    assert member("reader2@example.org").email_disabled_at is not None
    assert "complained" in member("reader2@example.org").email_disabled_reason
    assert Delivery.objects.get(pk=target.pk).status == Delivery.Status.BOUNCED


def test_a_bounce_of_another_mail_disables_the_address_but_marks_no_delivery(client, sent_issue):
    payload = postmark_bounce("Reader1@Example.org", "a-sign-in-mail-we-never-stored")
    assert post(client, "/anymail/postmark/tracking/", payload).status_code == 200
    assert member("reader1@example.org").email_disabled_at is not None
    assert sent_issue.deliveries.get(email="reader1@example.org").status == "sent"


def test_a_postmark_call_with_the_wrong_secret_is_refused(client, sent_issue):
    target = sent_issue.deliveries.get(email="reader0@example.org")
    for auth in (basic_auth("hooks:guess"), {}):
        response = post(
            client,
            "/anymail/postmark/tracking/",
            postmark_bounce(target.email, target.message_id),
            auth=auth or {"HTTP_X_NOTHING": "1"},
        )
        assert response.status_code == 400
    assert member(target.email).email_disabled_at is None


def test_without_a_webhook_secret_nothing_is_switched_off(client, sent_issue, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    target = sent_issue.deliveries.get(email="reader0@example.org")
    with pytest.warns(Warning):  # anymail warns that the endpoint is open; we act on nothing
        post(
            client,
            "/anymail/postmark/tracking/",
            postmark_bounce(target.email, target.message_id),
            auth={"HTTP_X_NOTHING": "1"},
        )
    assert member(target.email).email_disabled_at is None


def test_mailgun_signed_failed_and_complained_events(client, sent_issue):
    first = sent_issue.deliveries.get(email="reader0@example.org")
    second = sent_issue.deliveries.get(email="reader1@example.org")
    Delivery.objects.filter(pk=first.pk).update(message_id="<20180613194735.1.A@example.org>")
    failed = mailgun_event(
        "failed",
        first.email,
        "20180613194735.1.A@example.org",
        severity="permanent",
        reason="bounce",
        **{"delivery-status": {"code": 550, "message": "No such user", "description": ""}},
    )
    temporary = mailgun_event("failed", second.email, "x@y", severity="temporary")
    complained = mailgun_event("complained", second.email, "unknown@example.org")

    assert post(client, "/anymail/mailgun/tracking/", failed).status_code == 200
    assert post(client, "/anymail/mailgun/tracking/", temporary).status_code == 200
    assert member(second.email).email_disabled_at is None  # a temporary failure: kept
    assert post(client, "/anymail/mailgun/tracking/", complained).status_code == 200

    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.BOUNCED
    assert member(first.email).email_disabled_at is not None
    assert member(second.email).email_disabled_at is not None
    assert member("reader2@example.org").email_disabled_at is None


def test_mailgun_with_a_wrong_signature_is_refused(client, sent_issue):
    forged = mailgun_event("complained", "reader0@example.org", "m@x", key="not-the-key")
    assert post(client, "/anymail/mailgun/tracking/", forged).status_code == 400
    assert member("reader0@example.org").email_disabled_at is None


def test_an_open_is_recorded_only_when_the_provider_reports_it(client, sent_issue):
    target = sent_issue.deliveries.get(email="reader1@example.org")
    opened = {
        "RecordType": "Open",
        "MessageStream": "outbound",
        "FirstOpen": True,
        "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google", "Family": "Chrome"},
        "OS": {"Name": "OS X 10.7 Lion", "Company": "Apple Computer, Inc.", "Family": "OS X"},
        "Platform": "WebMail",
        "UserAgent": "Mozilla/5.0",
        "Geo": {},
        "MessageID": target.message_id,
        "Metadata": {},
        "ReceivedAt": "2019-11-05T16:33:54.9070259Z",
        "Tag": "welcome-email",
        "Recipient": target.email,
    }
    assert post(client, "/anymail/postmark/tracking/", opened).status_code == 200
    assert Delivery.objects.get(pk=target.pk).opened_at is not None
    counted = sending.issue_counts(Issue.objects.filter(pk=sent_issue.pk)).get()
    assert counted.opened_count == 1
    assert member(target.email).email_disabled_at is None
