"""The newsletter e-mail: rendered once per issue, addressed once per delivery.

    rendered = render_issue(issue)             # Markdown → HTML (inlined CSS) and text, once
    message = rendered.message_for(delivery)   # EmailMultiAlternatives for one member

The sender (`newsletters.sending`) only calls these two; what the e-mail looks like is
this module's alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from .models import Delivery, Issue


@dataclass(frozen=True)
class RenderedIssue:
    issue: Issue
    subject: str
    html: str
    text: str
    from_email: str
    reply_to: tuple[str, ...]

    def message_for(self, delivery: Delivery) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=self.from_email,
            to=[delivery.email],
            reply_to=list(self.reply_to),
        )
        message.attach_alternative(self.html, "text/html")
        return message


def render_issue(issue: Issue) -> RenderedIssue:
    newsletter = issue.newsletter
    post = issue.post
    text = post.body if post is not None else issue.subject
    html = post.body_html if post is not None else f"<p>{issue.subject}</p>"
    sender = newsletter.sender_email or settings.DEFAULT_FROM_EMAIL
    if newsletter.sender_name and newsletter.sender_email:
        sender = f"{newsletter.sender_name} <{newsletter.sender_email}>"
    return RenderedIssue(
        issue=issue,
        subject=issue.subject,
        html=html,
        text=text,
        from_email=sender,
        reply_to=(newsletter.reply_to,) if newsletter.reply_to else (),
    )
