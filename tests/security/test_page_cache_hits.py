"""What the page-cache decorator (pagecache/cache.py) answers from the cache: only what the
view would answer an anonymous visitor, with the same bytes and headers.

Pinned down: who never gets a cached page (logged-in users, API clients with a token),
that a draft is never served from it, that a cached page sets no cookie and names in
`Vary` what it depends on, that query parameters outside the view's key neither split
the entry nor vanish (an old `?p=` permalink still redirects), and that a cached view
reading a parameter its key does not know is an error, not a silently shared page.
"""

import gzip

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from blog.redirects import keep_post_addresses
from blog.services import post_unpublish
from pagecache.cache import UndeclaredQueryParameter, cache_anonymous_page, cached_views
from tests.factories import CategoryFactory, PostFactory, TagFactory

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


@pytest.fixture
def post(db):
    return PostFactory(title="Harbour lights")


def test_a_hit_has_the_bytes_and_headers_of_the_miss_and_sets_no_cookie(client, post):
    miss = client.get("/")
    assert miss["X-Page-Cache"] == "miss"
    hit = client.get("/")
    assert hit["X-Page-Cache"] == "hit"
    assert hit.content == miss.content
    for header in SECURITY_HEADERS:
        assert hit[header] == miss[header], header
    assert {"Cookie", "Authorization", "Accept-Encoding"} <= {
        name.strip() for name in hit["Vary"].split(",")
    }
    assert not hit.cookies and not miss.cookies
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != miss["X-Request-ID"]
    assert "public" in hit["Cache-Control"]


def test_a_logged_in_user_never_gets_the_cached_page(client, client_for, post, reader):
    client.get("/")
    assert client.get("/")["X-Page-Cache"] == "hit"
    page = client_for(reader).get("/")
    assert "X-Page-Cache" not in page
    assert "Log out" in page.content.decode()
    assert "private" in page["Cache-Control"]


def test_a_session_cookie_of_no_one_gets_the_anonymous_page_then_cached_ones(
    client, settings, post
):
    """A session may hold a signed-in member (issue 31), so a request with a session
    cookie is never answered from the cache, as nginx does; a cookie of no one is dropped
    by that answer, and the next page is a hit again."""
    client.get("/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session-of-anyone"
    page = client.get("/")
    assert "X-Page-Cache" not in page and "private" in page["Cache-Control"]
    assert 'href="/members/signin/">Sign in</a>' in page.content.decode()  # anonymous
    assert page.cookies[settings.SESSION_COOKIE_NAME].value == ""  # deleted
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit"


def test_an_api_token_is_never_answered_from_the_cache_and_cors_still_answers(
    client, settings, post
):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    accept = {"HTTP_ACCEPT": "application/json"}
    client.get("/api/posts/", **accept)
    assert client.get("/api/posts/", **accept)["X-Page-Cache"] == "hit"
    cors = client.get("/api/posts/", HTTP_ORIGIN="https://app.example", **accept)
    assert cors["Access-Control-Allow-Origin"] == "https://app.example"
    token = client.get("/api/posts/", HTTP_AUTHORIZATION="Bearer not-a-token", **accept)
    assert token.status_code == 401 and "X-Page-Cache" not in token


def test_a_draft_is_never_served_from_the_cache(client, post, django_capture_on_commit_callbacks):
    path = post.get_absolute_url()
    client.get(path)
    assert client.get(path)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        post_unpublish(post=post, user=post.author)  # what the admin and the API call
    assert client.get(path).status_code == 404
    assert client.get(path).status_code == 404
    assert post.title not in client.get("/").content.decode()


def test_a_stale_generation_is_a_miss(client, post):
    client.get("/")
    cache.set("pages:generation", 12345.0, timeout=None)  # what invalidate_pages() does
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_unknown_parameters_share_the_entry_and_old_permalinks_still_redirect(client, post):
    keep_post_addresses([("/?p=42", post.pk)])
    first = client.get("/")
    moved = client.get("/?p=42")
    assert moved.status_code == 301 and moved["Location"] == post.get_absolute_url()
    tracked = client.get("/?utm_source=news")
    assert tracked["X-Page-Cache"] == "hit" and tracked.content == first.content


def test_a_cached_pages_canonical_url_names_only_the_parameters_of_its_key(client, post):
    page = client.get("/?utm_source=news&page=1").content.decode()
    assert 'rel="canonical" href="https://testserver/?page=1"' in page.replace(
        "http://", "https://"
    )
    assert "utm_source" not in page


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
    assert zipped["X-Page-Cache"] == "hit" and zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == identity.content
    assert "Accept-Encoding" in zipped["Vary"]
    assert zipped["ETag"] == "W/" + identity["ETag"].removeprefix("W/")
    again = client.get("/", HTTP_IF_NONE_MATCH=identity["ETag"])
    assert again.status_code == 304


def test_a_foreign_host_is_refused_even_when_the_page_is_cached(client, post):
    client.get("/")
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_a_read_with_if_match_gets_the_apis_412_problem(client, post):
    """A cached API page never answers If-Match with the gzipped copy's weak tag, which
    no If-Match could match."""
    client.defaults.update(HTTP_ACCEPT="application/json", HTTP_ACCEPT_ENCODING="gzip")
    url = f"/api/posts/{post.pk}/"
    first = client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    stale = client.get(url, HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    fresh = client.get(url, HTTP_IF_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh.json()["id"] == post.pk


@pytest.mark.parametrize("read", ["get", "getitem", "in", "iterate", "urlencode"])
def test_a_cached_view_that_reads_an_undeclared_parameter_is_an_error(read):
    """Whether or not the client sent it: the page would be cached for one value and
    served for every other."""

    @cache_anonymous_page(params=("page",))
    def view(request):
        request.GET.get("page")  # declared: fine
        if read == "get":
            request.GET.get("sort")
        elif read == "getitem":
            request.GET["sort"]
        elif read == "in":
            "sort" in request.GET  # noqa: B015
        elif read == "iterate":
            list(request.GET)
        else:
            request.GET.urlencode()
        return HttpResponse("ok")

    request = RequestFactory().get("/", {"sort": "new", "page": "2"})
    request.user = _anonymous()
    with pytest.raises(UndeclaredQueryParameter, match="sort"):
        view(request)
    assert request.GET.dict() == {"sort": "new", "page": "2"}  # nothing dropped


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# Arguments for each cached URL: a new cached view must be added here, so that it is
# walked (`test_every_cached_view_reads_only_what_its_key_declares`).
def _arguments(post, category, tag) -> dict[str, dict]:
    return {
        "blog:home": {},
        "blog:posts": {},
        "blog:post": {"slug": post.slug},
        "blog:category": {"slug": category.slug},
        "blog:category_feed": {"slug": category.slug},
        "blog:tag": {"slug": tag.slug},
        "blog:tag_feed": {"slug": tag.slug},
        "blog:author": {"username": post.author.username},
        "blog:archive": {},
        "blog:month": {"year": post.published_at.year, "month": post.published_at.month},
        "blog:feed": {},
        "blog:atom_feed": {},
        "blog:sitemap": {},
        "blog:sitemap_section": {"section": "posts"},
        "pages:page": {"slug": "about"},  # pages at the site root (the pages app)
    }


def test_every_cached_view_reads_only_what_its_key_declares(client):
    """Each cached reader URL, asked anonymously with every declared parameter and a
    stray one: `UndeclaredQueryParameter` (raised through the test client) would fail it."""
    category, tag = CategoryFactory(), TagFactory()
    post = PostFactory(category=category)
    post.tags.add(tag)
    PostFactory(kind="page", slug="about")
    arguments = _arguments(post, category, tag)
    walked = set()
    for pattern, parameters in cached_views():
        if parameters.params is None:  # the API: refuses unknown parameters itself
            continue
        pages = pattern.callback.__module__.startswith("pages.")  # at the site root
        name = f"{'pages' if pages else 'blog'}:{pattern.name}"
        assert name in arguments, f"{name} is cached: give it arguments in _arguments()"
        query = {param: "1" for param in parameters.params} | {"utm_source": "x"}
        response = client.get(reverse(name, kwargs=arguments[name]), query)
        assert response.status_code in (200, 404), (name, response.status_code)
        walked.add(name)
    assert walked == set(arguments)


def test_a_missing_post_is_the_sites_404_page_with_shared_cache_headers(client, post):
    """A cached view's `Http404` becomes the site's 404 page inside the decorator, through
    Django's `response_for_exception` (docs/decisions/0012-http404-inside-the-page-cache.md):
    shared-cache headers replace nginx's copy of a post that went away. An upgrade that
    changes what that function gives fails here."""
    gone = client.get("/posts/no-such-post/")
    assert gone.status_code == 404
    assert "public" in gone["Cache-Control"] and "max-age=" in gone["Cache-Control"]
    assert b"<h1>Page not found</h1>" in gone.content  # handler404's page, not Django's
    assert b"<h1>Page not found</h1>" in client.get("/no-such-page-at-all/").content
