"""Issue 26, finding 8: public lists' `Last-Modified` moves only with public content, and
`s-maxage` does not count down to the next scheduled go-live (either would tell anyone
that a draft was saved, or when an embargoed post goes live)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 1, 9, 0, 0, tzinfo=UTC)


def _last_modified(path: str = "/api/posts/") -> str:
    cache.clear()  # the answer as computed, not a page-cache copy from before
    response = Client().get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response["Last-Modified"]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return lambda seconds: time_machine.move_to(START + timedelta(seconds=seconds), tick=False)


@pytest.mark.parametrize("path", ["/api/posts/", "/api/posts/published/"])
def test_saving_a_draft_does_not_move_a_public_lists_last_modified(clock, author, path):
    public = PostFactory(author=author, title="Out there")
    draft = PostFactory(author=author, draft=True, title="Embargoed")
    before = _last_modified(path)
    clock(30)
    draft.title = "Embargoed, revised"
    draft.save()
    assert _last_modified(path) == before
    clock(60)
    public.title = "Out there, revised"
    public.save()
    assert _last_modified(path) != before  # public content still moves it


def test_a_scheduled_post_going_live_moves_last_modified(clock, author):
    PostFactory(author=author)
    PostFactory(author=author, published_at=START + timedelta(seconds=40))
    before = _last_modified()
    clock(50)  # it went live without being saved
    assert _last_modified() != before


def _s_maxage(path: str = "/") -> int:
    response = Client().get(path)
    return int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))


def test_s_maxage_does_not_count_down_to_a_scheduled_post(clock, author, settings):
    settings.PAGE_CACHE_SECONDS = 60
    PostFactory(author=author)
    PostFactory(author=author, published_at=START + timedelta(seconds=37))
    assert _s_maxage() == 60  # not 37: the app's own entry ends then, shared caches don't
    clock(10)
    assert _s_maxage() == 50  # a hit: counted from when the page was made
    assert _s_maxage("/api/posts/") == 60
