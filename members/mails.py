"""The two mails a member gets from this app: confirm a sign-up, sign in.

A confirmation mail never repeats the name typed with the sign-up: anyone may type any
address and name, and the name would otherwise be a stranger's words in our mail.

Plain text with a simple HTML alternative (`templates/members/mail/`), from the site's
name at `DEFAULT_FROM_EMAIL`'s address, with absolute links on the site's origin
(`core.origin.site_url`, never a request's Host).
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.origin import site_url
from core.sitevalues import site_values

from .models import SignInLink

SUBJECTS = {
    SignInLink.Purpose.CONFIRM: "Confirm your e-mail address for {site}",
    SignInLink.Purpose.SIGN_IN: "Your sign-in link for {site}",
}


def sender() -> str:
    """`Site name <address of DEFAULT_FROM_EMAIL>`."""
    return formataddr((site_values().name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def link_url(token: str, next_url: str = "") -> str:
    """The link's absolute URL; with `next_url` (a path on this site, checked by the view
    that took it and again where it is used) where its page goes after signing in."""
    path = reverse("members:link", args=[token])
    return site_url(f"{path}?{urlencode({'next': next_url})}" if next_url else path)


def link_message(link: SignInLink, token: str, next_url: str = "") -> EmailMultiAlternatives:
    site = site_values()
    subject = SUBJECTS[link.purpose].format(site=site.name)
    context = {
        "subject": subject,
        "site_name": site.name,
        "url": link_url(token, next_url),
        "home": site_url("/"),
        "member": link.member,
        "minutes": settings.MEMBERS_SIGN_IN_LINK_MINUTES,
        "hours": settings.MEMBERS_CONFIRM_LINK_HOURS,
    }
    name = "confirm" if link.purpose == SignInLink.Purpose.CONFIRM else "sign_in"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"members/mail/{name}.txt", context),
        from_email=sender(),
        to=[link.email],
    )
    message.attach_alternative(render_to_string(f"members/mail/{name}.html", context), "text/html")
    return message
