"""Property-based fuzzing (hypothesis) of the reader URLs, the admin's change-list
filters and autocomplete, the API's bodies, the editor's autosave, preview and revision
compare, API cursors and login usernames, with NUL bytes, lone surrogates, huge numbers,
out-of-range time zone offsets and long strings: whatever comes in, the answer is never
a 5xx.

The totals (requests per area and per status class) are printed after the run.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

TOTALS: Counter[str] = Counter()
# Examples per test: the Hypothesis profile's (tests/conftest.py: 25, or 120 under CI=true).
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = st.sampled_from(
    [
        "\x00", "a\x00b", "\ud800", "x\udfffy", "\ufeff", "\u202e", "9" * 400, "-1", "0",
        "99999999999999999999", "1e309", "NaN", "x" * 5000, "%00", "../..", "'", '"', "\\",
        "<script>", "🦀", "9999", "12", "31", "true", "null", "", " ",
    ]
)  # fmt: skip
VALUES = st.one_of(
    NASTY,
    st.text(max_size=40),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(min_size=1, max_size=3).map(lambda s: s * 1000),
)


def _q(value: str) -> str:
    """Percent-encode anything, lone surrogates included (as the bytes a client may send)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _record(area: str, status: int) -> None:
    TOTALS[f"{area} requests"] += 1
    TOTALS[f"{area} {status // 100}xx"] += 1
    assert status < 500, f"{area}: {status}"


@pytest.fixture
def content(db):
    tag = TagFactory(name="harbour")
    post = PostFactory(title="harbour lights")
    post.tags.add(tag)
    return post


READER_PATHS = st.sampled_from(
    [
        "/?page={v}",
        "/posts/{v}/",
        "/category/{v}/",
        "/tag/{v}/",
        "/author/{v}/",
        "/search/?q={v}&page={v}",
        "/category/{v}/feed/",
        "/sitemap-posts.xml?p={v}",
        "/api/posts/?search={v}",
        "/api/posts/?page={v}&page_size={v}",
        "/api/posts/?published_after={v}",
        "/api/posts/?status={v}&category={v}&tag={v}&author={v}",
        "/api/posts/?ordering={v}",
        "/api/posts/{v}/",
        "/api/posts/by-slug/{v}/",
        "/api/authors/{v}/",
        "/api/tags/{v}/",
    ]
)


@FUZZ
@given(
    template=READER_PATHS,
    value=VALUES,
    year=st.integers(min_value=0, max_value=10**25),
    month=st.integers(min_value=0, max_value=10**6),
)
def test_reader_urls_never_5xx(content, template, value, year, month):
    client = Client(raise_request_exception=False)
    _record("reader", client.get(template.replace("{v}", _q(value))).status_code)
    _record("reader", client.get(f"/archive/{year}/{month}/").status_code)


ADMIN_PARAMS = st.sampled_from(
    [
        "published_at__year", "published_at__month", "published_at__day", "status__exact",
        "category__id__exact", "tags__id__exact", "author__id__exact", "state", "q", "o",
        "p", "all", "e", "_to_field", "unknown\x00name",
    ]
)  # fmt: skip


@FUZZ
@given(params=st.dictionaries(ADMIN_PARAMS, VALUES, min_size=1, max_size=4), term=VALUES)
def test_admin_change_list_filters_and_autocomplete_never_5xx(content, editor, params, term):
    client = Client(raise_request_exception=False)
    client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    query = "&".join(f"{_q(name)}={_q(value)}" for name, value in params.items())
    _record("admin", client.get(f"/admin/blog/post/?{query}").status_code)
    autocomplete = "/admin/autocomplete/?app_label=blog&model_name=post&field_name=tags&term="
    _record("admin", client.get(autocomplete + _q(term)).status_code)


JSON_VALUES = st.one_of(
    VALUES,
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.lists(VALUES, max_size=3),
)
FIELDS = st.sampled_from(
    ["title", "body", "excerpt", "status", "published_at", "category_id", "tags", "slug"]
)


@FUZZ
@given(
    role=st.sampled_from(["contributor", "author", "editor"]),
    body=st.dictionaries(FIELDS, JSON_VALUES, max_size=6),
    method=st.sampled_from(["POST", "PATCH"]),
)
def test_api_bodies_never_5xx(request, content, role, body, method):
    user = request.getfixturevalue(role)
    client = APIClient(raise_request_exception=False)
    token = client.post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    ).json()["access"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    own = PostFactory(author=user, draft=True)
    url = "/api/posts/" if method == "POST" else f"/api/posts/{own.pk}/"
    # ensure_ascii keeps lone surrogates as \\udXXX escapes, as a hostile client sends them.
    payload = json.dumps(body, ensure_ascii=True)
    response = client.generic(method, url, payload, content_type="application/json")
    _record("api", response.status_code)


# The editor and login areas make several requests (and a password check) per example.
FUZZ_FEWER = settings(FUZZ, max_examples=max(10, settings.default.max_examples // 2))


def _form(client: Client, url: str, fields: dict[str, str]):
    """POST a form, percent-encoded by hand (lone surrogates as the bytes a client sends)."""
    body = "&".join(f"{_q(name)}={_q(value)}" for name, value in fields.items())
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


def _editor_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@FUZZ_FEWER
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["title", "body", "excerpt", "slug", "category", "tags", "published_at", "note"]
        ),
        VALUES,
        max_size=4,
    ),
    post_value=VALUES,
    a=VALUES,
    b=VALUES,
)
def test_autosave_preview_and_revision_compare_never_5xx(author, fields, post_value, a, b):
    client = _editor_client(author)
    own = PostFactory(author=author, draft=True)
    _record(
        "editor", _form(client, reverse("admin:post_autosave", args=[own.pk]), fields).status_code
    )
    new_post = {**fields, "_draft_key": "0123456789abcdef0123456789abcdef"}  # a form's key
    _record("editor", _form(client, reverse("admin:post_autosave_new"), new_post).status_code)
    preview = _form(client, reverse("admin:post_preview"), {"post": post_value, **fields})
    _record("editor", preview.status_code)
    compare = reverse("admin:post_compare", args=[own.pk]) + f"?a={_q(a)}&b={_q(b)}"
    _record("editor", client.get(compare).status_code)


MOMENTS = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:00:00{}{:02d}:{:02d}|{}".format,
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.sampled_from(["+", "-"]),
    st.integers(0, 23),
    st.integers(0, 59),
    st.one_of(st.integers(-(2**70), 2**70), VALUES),
)
CURSORS = st.one_of(
    VALUES, MOMENTS.map(lambda raw: base64.urlsafe_b64encode(raw.encode()).decode().rstrip("="))
)


@FUZZ_FEWER
@given(cursor=CURSORS, username=st.one_of(VALUES, st.text(min_size=200, max_size=400)))
def test_cursors_and_login_usernames_never_5xx(content, cursor, username):
    client = Client(raise_request_exception=False)
    _record("cursor", client.get(f"/api/posts/?cursor={_q(cursor)}").status_code)
    token = client.post(
        "/api/auth/token/",
        json.dumps({"username": username, "password": "x"}, ensure_ascii=True),
        content_type="application/json",
    )
    _record("login", token.status_code)
    page = _form(client, "/accounts/login/", {"username": username, "password": "x"})
    _record("login", page.status_code)
