"""Access and refresh tokens: obtain, use, refresh, expire."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.api.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def obtain(api, user, password=PASSWORD):
    return api.post("/api/auth/token/", {"username": user.username, "password": password})


def test_obtain_use_refresh_and_expire(api, author, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        tokens = obtain(api, author).json()
    assert set(tokens) == {"access", "refresh"}
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert api.post("/api/posts/", {"title": "T", "body": "b"}).status_code == 201
    access_life = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    with time_machine.travel(start + access_life + timedelta(seconds=1), tick=False):
        expired = api.post("/api/posts/", {"title": "T2", "body": "b"})
        assert expired.status_code == 401
        assert expired.json()["code"] == "token_not_valid"
        api.credentials()
        refreshed = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert refreshed.status_code == 200
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
        assert api.post("/api/posts/", {"title": "T3", "body": "b"}).status_code == 201
    refresh_life = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    with time_machine.travel(start + refresh_life + timedelta(seconds=1), tick=False):
        api.credentials()
        response = api.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 401


def test_wrong_password_and_unknown_user_look_the_same(api, author):
    wrong = obtain(api, author, password="nope")
    from types import SimpleNamespace

    unknown = obtain(api, SimpleNamespace(username="nobody"), password="nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_session_authentication_still_works_for_the_browsable_api(client_for, author):
    client = client_for(author)
    response = client.get("/api/posts/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
