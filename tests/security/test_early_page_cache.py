"""The early page-cache path (blog/page_cache_middleware.py), in front of Django's handler
or as its first middleware, answers only what the full stack would answer from the cache
with the same bytes and headers.

A hit skips sessions, auth, CSRF and messages, so these tests pin down who never gets
one: logged-in users, visitors with a session cookie, API clients with a token, CORS
requests, requests with query parameters the page does not read (an old `?p=` permalink)
and requests for a representation the entry is not (`Accept`). A draft is never served
from it, and what it serves carries the security headers the stack gave the page.
"""

import gzip

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import request_started
from django.test import RequestFactory

from blog.page_cache_middleware import REQUEST_KEY, PageCacheFront, request_for
from blog.services import post_unpublish
from tests.factories import PostFactory
from transfer.models import Permalink

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Permissions-Policy",
    "Vary",
)


def _early(response) -> bool:
    """Answered before SessionMiddleware ran (the request never got a session)."""
    return response["X-Page-Cache"] == "hit" and not hasattr(response.wsgi_request, "session")


@pytest.fixture
def post(db):
    return PostFactory(title="Harbour lights")


def test_a_hit_is_answered_early_with_the_headers_the_stack_gave_the_page(client, post):
    miss = client.get("/")
    assert miss["X-Page-Cache"] == "miss" and hasattr(miss.wsgi_request, "session")
    hit = client.get("/")
    assert _early(hit)
    assert hit.content == miss.content
    for header in SECURITY_HEADERS:
        assert hit[header] == miss[header], header
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != miss["X-Request-ID"]
    assert "public" in hit["Cache-Control"]


def test_a_logged_in_user_never_gets_the_cached_page(client, client_for, post, reader):
    client.get("/")
    assert _early(client.get("/"))
    page = client_for(reader).get("/")
    assert "X-Page-Cache" not in page
    assert "Log out" in page.content.decode()
    assert "private" in page["Cache-Control"]


def test_a_session_cookie_goes_through_the_whole_stack(client, settings, post):
    client.get("/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session-of-anyone"
    page = client.get("/")
    assert hasattr(page.wsgi_request, "session")  # sessions, auth, CSRF ran
    assert page["X-Page-Cache"] == "hit"  # anonymous after all: the decorator's hit


def test_an_api_token_or_a_cors_request_goes_through_the_stack(client, settings, post):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    accept = {"HTTP_ACCEPT": "application/json"}
    client.get("/api/posts/", **accept)
    assert _early(client.get("/api/posts/", **accept))
    cors = client.get("/api/posts/", HTTP_ORIGIN="https://app.example", **accept)
    assert cors["Access-Control-Allow-Origin"] == "https://app.example"
    token = client.get("/api/posts/", HTTP_AUTHORIZATION="Bearer not-a-token", **accept)
    assert token.status_code == 401 and "X-Page-Cache" not in token


def test_a_draft_is_never_served_from_the_cache(client, post, django_capture_on_commit_callbacks):
    path = post.get_absolute_url()
    client.get(path)
    assert _early(client.get(path))
    with django_capture_on_commit_callbacks(execute=True):
        post_unpublish(post=post, user=None)
    assert client.get(path).status_code == 404
    assert client.get(path).status_code == 404


def test_a_stale_generation_is_a_miss_in_one_round_trip(client, post):
    client.get("/")
    cache.set("pages:generation", 12345.0, timeout=None)  # what invalidate_pages() does
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert _early(client.get("/"))


def test_unknown_parameters_reach_the_stack_so_old_permalinks_still_redirect(client, post):
    Permalink.objects.create(path="/?p=42", post=post)
    client.get("/")
    assert _early(client.get("/"))
    moved = client.get("/?p=42")
    assert moved.status_code == 301 and moved["Location"] == post.get_absolute_url()
    tracked = client.get("/?utm_source=news")
    assert tracked["X-Page-Cache"] == "hit" and hasattr(tracked.wsgi_request, "session")


def test_accept_picks_the_entry_and_posts_index_still_sends_json_clients_to_the_api(client, post):
    client.get("/api/posts/", HTTP_ACCEPT="application/json")
    html = client.get("/api/posts/", HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html") and "X-Page-Cache" not in html
    client.get("/posts/", HTTP_ACCEPT="text/html")
    assert client.get("/posts/", HTTP_ACCEPT="text/html")["X-Page-Cache"] == "hit"
    to_api = client.get("/posts/", HTTP_ACCEPT="application/json")
    assert to_api.status_code == 308 and to_api["Location"] == "/api/posts/"


def test_a_hit_is_gzipped_for_clients_that_accept_it_and_answers_if_none_match(client, post):
    identity = client.get("/")
    zipped = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert _early(zipped) and zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == identity.content
    assert "Accept-Encoding" in zipped["Vary"]
    assert zipped["ETag"] == "W/" + identity["ETag"].removeprefix("W/")
    again = client.get("/", HTTP_IF_NONE_MATCH=identity["ETag"])
    assert again.status_code == 304


def test_a_foreign_host_is_refused_even_when_the_page_is_cached(client, post):
    client.get("/")
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def _serve(application, path: str, **headers) -> tuple[int, dict[str, str], bytes]:
    """One request through a WSGI application, as gunicorn makes it."""
    environ = RequestFactory().get(path, **headers).environ
    answer: list = []
    body = application(
        environ, lambda status, headers, exc_info=None: answer.extend([status, headers])
    )
    try:
        content = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return int(answer[0].split()[0]), dict(answer[1]), content


# Django's handler closes the database connection after each request: no test transaction.
@pytest.mark.django_db(transaction=True)
def test_the_wsgi_front_answers_a_hit_before_djangos_handler_runs(post):
    front = PageCacheFront(WSGIHandler())
    started: list = []

    def count(**kwargs):
        started.append(kwargs)

    request_started.connect(count)
    try:
        miss_status, miss, first = _serve(front, "/")
        assert (miss_status, miss["X-Page-Cache"], len(started)) == (200, "miss", 1)
        status, hit, content = _serve(front, "/", HTTP_X_REQUEST_ID="edge-7f3a")
        assert (status, hit["X-Page-Cache"], len(started)) == (200, "hit", 1)
    finally:
        request_started.disconnect(count)
    assert content == first
    for header in SECURITY_HEADERS:
        assert hit[header] == miss[header], header
    assert hit["X-Request-ID"] == "edge-7f3a"  # the proxy's id, as the stack echoes it
    assert hit["Content-Length"] == str(len(content))
    assert "public" in hit["Cache-Control"]

    not_modified, headers, empty = _serve(front, "/", HTTP_IF_NONE_MATCH=miss["ETag"])
    assert (not_modified, empty) == (304, b"") and headers["ETag"] == miss["ETag"]
    _, zipped, packed = _serve(front, "/", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and gzip.decompress(packed) == first


@pytest.mark.django_db(transaction=True)
def test_the_wsgi_front_leaves_everything_else_to_the_stack(post, settings):
    front = PageCacheFront(WSGIHandler())
    _serve(front, "/")
    assert _serve(front, "/", HTTP_HOST="evil.example")[0] == 400
    settings.PAGE_CACHE_SECONDS = 0
    status, headers, _ = _serve(front, "/")
    assert status == 200 and "X-Page-Cache" not in headers


@pytest.mark.django_db(transaction=True)
def test_on_a_miss_the_stack_takes_the_request_the_front_built(post, monkeypatch):
    """config/wsgi.py: Django's handler builds no second request for the same environ
    (`request_for`), and nothing of it is left behind in the environ."""
    handler = WSGIHandler()
    handler.request_class = request_for
    front = PageCacheFront(handler)
    environs = [RequestFactory().get(path).environ for path in ("/", post.get_absolute_url())]
    built: list[str] = []
    build = WSGIRequest.__init__

    def counted(request, environ: dict) -> None:
        built.append(environ["PATH_INFO"])
        build(request, environ)

    monkeypatch.setattr(WSGIRequest, "__init__", counted)  # whoever builds one
    statuses: list[str] = []
    for environ in environs:
        body = front(environ, lambda status, headers, exc_info=None: statuses.append(status))
        assert b"".join(body)
        body.close()
        assert REQUEST_KEY not in environ
    assert statuses == ["200 OK", "200 OK"]
    assert built == ["/", post.get_absolute_url()]  # one each, not two


def test_a_read_with_if_match_goes_to_the_stack_for_its_412_problem(api_client_gzip, post):
    """A kept API page never answers If-Match itself (issue 25: Django's empty 412, and a
    gzipped copy's weak tag that no If-Match could match)."""
    client = api_client_gzip
    url = f"/api/posts/{post.pk}/"
    first = client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    stale = client.get(url, HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    fresh = client.get(url, HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh.json()["id"] == post.pk


@pytest.fixture
def api_client_gzip(client):
    client.defaults.update(HTTP_ACCEPT="application/json", HTTP_ACCEPT_ENCODING="gzip")
    return client
