"""Members-only posts through the production nginx (issue 31): its micro-cache never
hands a signed-in member's page, with the body, to an anonymous reader, nor the anonymous
(locked) page to a member. The app's page cache is behind it (a live server)."""

from __future__ import annotations

from importlib import import_module
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings

from blog.models import Post
from members.models import Member
from members.sessions import SESSION_EPOCH, SESSION_MEMBER
from tests.factories import PostFactory
from tests.nginx import Nginx, running

SECRET = "The lighthouse keeper's key is under the third stone."


@pytest.fixture(scope="module")
def nginx(tmp_path_factory, live_server) -> Nginx:
    upstream = f"127.0.0.1:{urlsplit(live_server.url).port}"
    with running(tmp_path_factory.mktemp("nginx"), upstream) as server:
        yield server


def _browser(nginx: Nginx, session_key: str | None = None) -> requests.Session:
    browser = requests.Session()
    browser.trust_env = False
    browser.verify = nginx.ca_cert
    if session_key:  # a signed-in member's browser: the session cookie on every request
        browser.headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    return browser


def _member_session() -> str:
    member = Member.objects.create(email="keeper@example.com", status=Member.Status.ACTIVE)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_MEMBER], session[SESSION_EPOCH] = member.pk, member.session_epoch
    session.save()
    return session.session_key


def _get(browser: requests.Session, url: str) -> tuple[str, str]:
    response = browser.get(url, timeout=10)
    assert response.status_code == 200
    return response.text, response.headers.get("X-Cache-Status", "")


@pytest.mark.django_db(transaction=True)
def test_member_first_then_anonymous_readers_never_get_the_body(nginx):
    post = PostFactory(body=SECRET, audience=Post.Audience.MEMBERS, excerpt="Teaser.")
    url = nginx.url + post.get_absolute_url()
    member, anonymous = _browser(nginx, _member_session()), _browser(nginx)
    html, status = _get(member, url)
    assert SECRET in html and status == "BYPASS"
    html, status = _get(anonymous, url)
    assert SECRET not in html and "This post is for members" in html and status == "MISS"
    html, status = _get(anonymous, url)
    assert SECRET not in html and status == "HIT"  # nginx's copy: the locked page
    html, status = _get(member, url)
    assert SECRET in html and status == "BYPASS"  # never nginx's copy


@pytest.mark.django_db(transaction=True)
def test_anonymous_first_then_a_member_gets_the_body(nginx):
    post = PostFactory(body=SECRET, audience=Post.Audience.MEMBERS, excerpt="Teaser.")
    url = nginx.url + post.get_absolute_url()
    anonymous, member = _browser(nginx), _browser(nginx, _member_session())
    for _ in range(2):
        html, _status = _get(anonymous, url)
        assert SECRET not in html
    assert _get(anonymous, url)[1] == "HIT"
    html, status = _get(member, url)
    assert SECRET in html and status == "BYPASS"
