"""Bad input gets a clear page with the right status, never a 500."""

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/?page=abc",
        "/?page=99999",
        "/?page=-1",
        "/?page=0",
        "/posts/no-such-post/",
        "/category/no-such-category/",
        "/tag/no-such-tag/",
        "/author/nobody/",
        "/archive/2024/13/",
        "/archive/2024/0/",
        "/archive/99999/1/",
        "/archive/1999/1/",  # a month without posts: no empty page for crawlers
        "/archive/2030/1/",
        "/category/no-such-category/feed/",
        "/tag/no-such-tag/feed/",
        "/feed/rss/",
        "/feeds/",
        "/search/?q=harbour&page=abc",
        "/search/?q=harbour&page=99",
        "/posts/%00/",
    ],
)
def test_not_found(client, url):
    PostFactory(title="harbour")
    response = client.get(url)
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_empty_search_is_a_friendly_page(client):
    response = client.get("/search/?q=")
    assert response.status_code == 200
    assert b"Type a word or phrase" in response.content


def test_huge_search_query_is_400_with_a_message(client):
    response = client.get("/search/", {"q": "x" * 10_000})
    assert response.status_code == 400
    assert b"limited to 200 characters" in response.content


@pytest.mark.parametrize("q", ["'", '"', "&|!", "a & !b", "-", "(((", "\\", "%", "ünïcödé"])
def test_odd_search_syntax_never_errors(client, q):
    assert client.get("/search/", {"q": q}).status_code == 200


def test_search_ranks_title_matches_first(client):
    PostFactory(title="Gardening notes", body="Mostly about tomatoes and compost.")
    PostFactory(title="Compost", body="Everything about compost heaps.")
    PostFactory(title="Unrelated", body="Nothing to see.")
    response = client.get("/search/", {"q": "compost"})
    titles = [p.title for p in response.context["posts"]]
    assert titles == ["Compost", "Gardening notes"]


def test_search_understands_stems_and_phrases(client):
    PostFactory(title="Running a marathon", body="Runners run.")
    assert client.get("/search/", {"q": "runs"}).context["paginator"].count == 1
    assert client.get("/search/", {"q": '"a marathon"'}).context["paginator"].count == 1
    assert client.get("/search/", {"q": "marathon -running"}).context["paginator"].count == 0


def test_server_error_page(client, settings):
    from django.test import Client

    client = Client(raise_request_exception=False)
    from blog.views import errors

    request = client.get("/").wsgi_request
    response = errors.server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


def test_foreign_host_header_is_400_not_500(client):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"Bad request" in response.content


def test_api_errors_are_json_even_outside_drf(client):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/api/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize("url", ["/search/?q=%00", "/search/?q=a%00b", "/author/%00/"])
def test_nul_bytes_never_reach_postgresql(client, url):
    assert client.get(url).status_code in (200, 404)
