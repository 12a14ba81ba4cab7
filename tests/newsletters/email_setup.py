"""What the e-mail tests need: members, a newsletter, an issue with its deliveries, and a
message sent through the real SMTP server (the `smtp` fixture) and read back."""

from __future__ import annotations

import json
import re
from email.message import EmailMessage

from django.core import signing
from django.utils import timezone

from members.models import Member
from newsletters.mail import render_issue
from newsletters.models import Delivery, Issue, Newsletter, Subscription

HREF_OR_SRC = re.compile(r'\b(?:href|src)="([^"]*)"')


def member(email: str = "ada@example.com", **fields) -> Member:
    fields.setdefault("status", Member.Status.ACTIVE)
    fields.setdefault("confirmed_at", timezone.now())
    return Member.objects.create(email=email, **fields)


def newsletter(**fields) -> Newsletter:
    fields.setdefault("name", "The Harbour Letter")
    fields.setdefault("slug", "harbour-letter")
    fields.setdefault("sender_name", "Harbour Desk")
    fields.setdefault("sender_email", "desk@news.example")
    return Newsletter.objects.create(**fields)


def subscribed(newsletter: Newsletter, *members: Member) -> None:
    for one in members:
        Subscription.objects.create(member=one, newsletter=newsletter)


def post_issue(post, letter: Newsletter) -> Issue:
    return Issue.objects.create(newsletter=letter, post=post, subject=post.title)


def delivery(issue: Issue, one: Member) -> Delivery:
    return Delivery.objects.create(issue=issue, member=one, email=one.email)


def sent(smtp, issue: Issue, *deliveries: Delivery) -> list[EmailMessage]:
    """Render `issue` once, send each delivery's message through the real SMTP server and
    return what the server received, in order."""
    rendered = render_issue(issue)
    for one in deliveries:
        rendered.message_for(one).send()
    smtp.wait_for_count(len(deliveries))
    return list(smtp.messages)


def parts(message: EmailMessage) -> tuple[str, str]:
    """(text part, HTML part) of a received multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    # The wire's CRLF line endings, as a mail client shows them: as line breaks.
    return (
        text.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )


def urls_in(html: str) -> list[str]:
    import html as html_lib

    return [html_lib.unescape(url) for url in HREF_OR_SRC.findall(html)]


def with_payload(token: str, value) -> str:
    """`token` with its signed value swapped for `value`, the signature kept."""
    payload = signing.b64_encode(json.dumps(value, separators=(",", ":")).encode()).decode()
    return payload + token[token.index(":") :]
