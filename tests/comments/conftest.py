"""Members who comment, signed in as the members app signs them in (members/sessions.py).

`commenter_client`: Django's test client with an active member (`.member`) signed in.
`make_member(...)`: another active member. `sign_in(client, member)`: sign one in on a
client. `trusting`: the site's rules with no approval wait for a first comment.
"""

import time
from importlib import import_module

import pytest
from django.conf import settings
from django.utils import timezone

from comments.models import CommentPolicy
from comments.policy import forget_policy
from comments.spam import sign_render_time
from members.models import Member
from members.sessions import SESSION_EPOCH, SESSION_MEMBER


def create_member(email: str = "ada@example.org", name: str = "Ada") -> Member:
    return Member.objects.create(
        email=email, name=name, status=Member.Status.ACTIVE, confirmed_at=timezone.now()
    )


def sign_in(client, member: Member):
    session = client.session
    session[SESSION_MEMBER] = member.pk
    session[SESSION_EPOCH] = member.session_epoch
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    client.member = member
    return client


def session_cookie_for(member: Member) -> str:
    """A session key with `member` signed in (for a browser context's cookie)."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_MEMBER] = member.pk
    session[SESSION_EPOCH] = member.session_epoch
    session.create()
    return session.session_key


def shown(data: dict, seconds_ago: float = 30) -> dict:
    """A comment form's fields as a person posts them: with the form's signed render time
    (`seconds_ago`), which the spam checks require of a form post."""
    return {**data, "rendered": sign_render_time(time.time() - seconds_ago)}


def set_policy(**values) -> CommentPolicy:
    rules, _ = CommentPolicy.objects.get_or_create(pk=1)
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    forget_policy()
    return rules


@pytest.fixture
def make_member(db):
    count = iter(range(1000))

    def make(name: str = "", email: str = "") -> Member:
        n = next(count)
        return create_member(email or f"member{n}@example.org", name or f"Member {n}")

    return make


@pytest.fixture
def commenter_client(client, db):
    return sign_in(client, create_member())


@pytest.fixture
def trusting(db):
    """Comments appear at once: no approval wait for a member's first comment."""
    return set_policy(first_comment_needs_approval=False)
