"""Members' fixtures: mail through the real SMTP server (`smtp`), links read from it;
newsletters and members for the admin, import, API and webhook tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from members.models import Member
from members.services import create_member
from newsletters.models import Newsletter, Subscription
from tests.api.conftest import api, api_as  # noqa: F401  (fixtures)
from tests.jobs.conftest import broker, broker_server  # noqa: F401  (fixtures)
from tests.webhooks.conftest import receiver, webhook_worker  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).parent / "fixtures"

LINK = re.compile(r"http://testserver(/members/link/[A-Za-z0-9_-]+/)")


def link_in(message) -> str:
    """The path of the link in a mail's plain-text part (the HTML part has the same)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    found = LINK.findall(text)
    assert len(set(found)) == 1, text
    assert found[0] in html
    return found[0]


def last_link_to(smtp, address: str) -> str:
    messages = smtp.to(address)
    assert messages, f"no mail to {address}"
    return link_in(messages[-1])


@pytest.fixture
def post_on_commit(client, django_capture_on_commit_callbacks):
    """`post_on_commit(url, data)`: a POST whose after-commit work (the mail task, in
    process) runs as it would after a real request's commit."""

    def post(url: str, data: dict | None = None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {}, **extra)

    return post


@pytest.fixture
def member(db) -> Member:
    member, _ = create_member(
        email="ada@example.com", name="Ada", source=Member.Source.ADMIN, confirmed=True
    )
    return member


@pytest.fixture
def sign_in(client):
    """`sign_in(member, client=client)`: a browser signed in as `member` (through the
    session helper, as a used link leaves it)."""
    from importlib import import_module

    from django.conf import settings

    from members.sessions import SESSION_EPOCH, SESSION_MEMBER

    def signed_in(member: Member, browser=None):
        browser = browser or client
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store[SESSION_MEMBER] = member.pk
        store[SESSION_EPOCH] = member.session_epoch
        store.save()
        browser.cookies[settings.SESSION_COOKIE_NAME] = store.session_key
        return browser

    return signed_in


def newsletter(name: str, **fields) -> Newsletter:
    from django.utils.text import slugify

    return Newsletter.objects.create(name=name, slug=slugify(name), **fields)


@pytest.fixture
def member_client(member):
    """A test client of its own (not pytest-django's `client`, which stays anonymous in
    the same test) signed in as `member`: the session holds the member's id and epoch."""
    from django.test import Client

    from members.sessions import SESSION_EPOCH, SESSION_MEMBER

    browser = Client()
    session = browser.session  # saved, and its cookie set on the client
    session[SESSION_MEMBER] = member.pk
    session[SESSION_EPOCH] = member.session_epoch
    session.save()
    return browser


@pytest.fixture
def weekly(db) -> Newsletter:
    return Newsletter.objects.create(name="The Weekly", slug="weekly", order=1)


@pytest.fixture
def extra(db) -> Newsletter:
    """A newsletter members get only when they choose it."""
    return Newsletter.objects.create(name="Extra", slug="extra", subscribe_by_default=False)


def make_member(email: str, *, newsletters=(), **fields) -> Member:
    fields.setdefault("status", Member.Status.ACTIVE)
    member = Member.objects.create(email=email, **fields)
    Subscription.objects.bulk_create(
        [Subscription(member=member, newsletter=newsletter) for newsletter in newsletters]
    )
    return member
