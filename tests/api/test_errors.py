"""Hostile input gets a JSON 4xx, never a 500; throttling and login lock-out answer JSON."""

import pytest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from blog.models import Post, Tag
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/categories/%00/", 404),
        ("/api/tags/%00/", 404),
        ("/api/authors/%00/", 404),
        ("/api/posts/%00/", 404),
        ("/api/posts/99999999999999999999/", 404),
        ("/api/posts/?search=%00", 400),
        ("/api/posts/published/?search=a%00b", 400),
        ("/api/posts/?slug=%00", 400),
        ("/api/posts/?category=%00", 400),
        ("/api/posts/?published_after=%00", 400),
        ("/api/posts/?page=99999999999999999999999", 404),
        ("/api/posts/?page_size=99999999999999999999", 400),  # the schema says at most 100
    ],
)
def test_nul_bytes_and_huge_numbers_in_urls(api, path, expected):
    PostFactory()
    response = api.get(path)
    assert response.status_code == expected, response.content
    expected_type = "application/json" if expected == 200 else "application/problem+json"
    assert response["Content-Type"] == expected_type


@pytest.mark.parametrize("url", ["/api/posts/", "/api/auth/token/", "/api/auth/token/refresh/"])
def test_deeply_nested_json_is_a_400(api_as, editor, url):
    response = api_as(editor).generic("POST", url, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert response.json()["code"] == "parse_error"


def test_body_over_the_upload_limit_is_a_413_problem(api_as, author):
    body = '{"title": "T", "body": "' + "x" * 3_000_000 + '"}'
    response = api_as(author).generic("POST", "/api/posts/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "payload_too_large"
    assert Post.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "a\x00", "body": "x"}, "title", "Null characters"),
        ({"title": "T", "body": "x", "tags": ["a\x00"]}, "tags", "Null characters"),
        ({"title": "T", "body": "x", "tags": ["y" * 61]}, "tags", "at most 60"),
        ({"title": "T", "body": "x", "tags": ["   "]}, "tags", "needs a name"),
        ({"title": "T", "body": "x", "published_at": "9999-12-31T23:59:59-15:00"}, "", ""),
        ({"title": "T", "body": "x", "excerpt": "e" * 501}, "excerpt", "500"),
    ],
)
def test_editor_bodies_with_bad_values(api_as, editor, body, field, message):
    response = api_as(editor).post("/api/posts/", body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in {error["field"] for error in errors} if field else errors
    assert message in str(errors)
    assert not Tag.objects.exists() and not Post.objects.exists()


def test_references_to_missing_rows_are_a_409_naming_the_field(api_as, editor):
    """Well formed, but the category or image is not there: a conflict with the current
    state (as PostgREST answers a foreign-key violation), not a malformed request."""
    client = api_as(editor)
    for body in (
        {"title": "T", "body": "x", "category_id": 99999999999999999999},
        {"title": "T", "body": "x", "category_id": 999_999},
        {"title": "T", "body": "x", "cover_image_id": 999_999},
    ):
        response = client.post("/api/posts/", body, format="json")
        assert response.status_code == 409, response.content
        [error] = response.json()["errors"]
        assert error["field"] in body and error["code"] == "does_not_exist"
    assert not Post.objects.exists()


def test_lone_surrogates_are_refused(api_as, author):
    body = '{"title": "T", "body": "\\ud800"}'
    response = api_as(author).generic("POST", "/api/posts/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "lone surrogate" in response.json()["detail"]


@pytest.mark.parametrize("body", ['"just a string"', "[]", "null", "42"])
def test_bodies_that_are_not_objects(api_as, author, body):
    response = api_as(author).generic("POST", "/api/posts/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == ""


def test_editors_reuse_a_tag_named_in_another_case(api_as, editor):
    tag = TagFactory(name="Django", slug="django")
    response = api_as(editor).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["DJANGO", "django"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["tags"] == [{"slug": tag.slug, "name": tag.name}]
    assert Tag.objects.count() == 1


def test_two_posts_with_one_title_get_two_slugs(api_as, author):
    client = api_as(author)
    first = client.post("/api/posts/", {"title": "Same", "body": "b"}, format="json").json()
    second = client.post("/api/posts/", {"title": "Same", "body": "b"}, format="json").json()
    assert (first["slug"], second["slug"]) == ("same", "same-2")


def test_anonymous_clients_are_throttled_with_a_json_429(api, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    codes = [api.get("/api/categories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = api.get("/api/tags/")
    assert response.status_code == 429 and "throttled" in response.json()["detail"]
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_token_clients_are_throttled_per_user(api_as, author, other_author, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "rate", "2/min", raising=False)
    client = api_as(author)
    assert [client.get("/api/tags/").status_code for _ in range(3)] == [200, 200, 429]
    assert api_as(other_author).get("/api/tags/").status_code == 200


def test_token_endpoint_lock_out_is_a_429_with_retry_after(api, author, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = api.post("/api/auth/token/", {"username": "author", "password": "wrong"})
        assert wrong.status_code == 401
    # The failure that reaches the limit locks the account out (as on the login page).
    last = api.post("/api/auth/token/", {"username": "author", "password": "wrong"})
    assert last.status_code == 429
    # Locked out: even the right password is refused, with "come back later", not a 401.
    right = api.post(
        "/api/auth/token/", {"username": "author", "password": "correct-horse-battery"}
    )
    assert right.status_code == 429
    assert right.json()["code"] == "locked_out"
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    assert 0 < int(right["Retry-After"]) <= cool_off


@pytest.mark.parametrize(
    ("method", "body", "field", "code"),
    [
        ("post", {"title": "T", "body": "b", "titel": "typo"}, "titel", "unknown_field"),
        ("post", {"title": "T", "body": "b", "body_html": "<b>x</b>"}, "body_html", "read_only"),
        ("post", {"title": "T", "body": "b", "id": 5}, "id", "read_only"),
        ("patch", {"titel": "typo"}, "titel", "unknown_field"),
        ("patch", {"state": "published"}, "state", "read_only"),
        ("patch", {"updated_at": "2026-01-01T00:00:00Z"}, "updated_at", "read_only"),
    ],
)
def test_unknown_and_read_only_body_keys_are_a_400_naming_them(
    api_as, editor, method, body, field, code
):
    """Issue 25.4: `{"titel": …}` answered 200 and changed nothing; now it says why."""
    post = PostFactory(title="Before", author=editor)
    client = api_as(editor)
    url = "/api/posts/" if method == "post" else f"/api/posts/{post.pk}/"
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]
    if code == "unknown_field":
        assert "Writable:" in response.json()["errors"][0]["message"]
        assert "title" in response.json()["errors"][0]["message"]
    assert Post.objects.count() == 1 and Post.objects.get().title == "Before"


def test_unknown_body_keys_of_categories_and_webhooks_are_a_400(api_as, editor):
    client = api_as(editor)
    response = client.post("/api/categories/", {"name": "N", "descripton": "x"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "descripton"
    response = client.post(
        "/api/webhooks/", {"url": "https://example.com/h", "event": "x"}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "event"
