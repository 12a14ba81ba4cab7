"""Finding 7 and the Cache-Control split: the anonymous page cache keeps only anonymous,
canonical responses.

- A response that set a cookie or used the CSRF token (the browsable API's forms) is one
  visitor's own: never stored, sent `private`.
- The key takes the query parameters a view knows, nothing else (`?utm_source=N` is the
  same page and the same entry), and the media type negotiated among those it offers
  (any spelling of `Accept` that picks JSON shares one entry).
- Browsers may keep a page for `PAGE_BROWSER_CACHE_SECONDS`; shared caches (`s-maxage`)
  up to the entry's expiry.
"""

import re

import pytest
from django.core.cache import cache

from blog.services import post_update
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(db):
    return PostFactory.create_batch(3)


def _cache_size() -> int:
    return len(cache.keys("*")) if hasattr(cache, "keys") else 0


def test_unknown_query_parameters_share_one_entry_and_never_reach_the_page(client, posts):
    assert client.get("/?utm_source=1")["X-Page-Cache"] == "miss"
    entries = _cache_size()
    for n in range(2, 30):
        response = client.get(f"/?utm_source={n}&fbclid=x{n}")
        assert response["X-Page-Cache"] == "hit"
        assert "utm_source" not in response.content.decode()
    assert _cache_size() == entries
    assert client.get("/?page=1")["X-Page-Cache"] == "miss"  # a known parameter: its own


def test_api_refuses_unknown_parameters_and_never_caches_the_refusal(client, posts):
    for _ in range(2):
        response = client.get(
            "/api/posts/?page_size=1&utm_source=e", HTTP_ACCEPT="application/json"
        )
        assert response.status_code == 400
        assert [e["field"] for e in response.json()["errors"]] == ["utm_source"]
        assert "X-Page-Cache" not in response
    listed = client.get("/api/posts/?page_size=1", HTTP_ACCEPT="application/json").json()
    assert "utm_source" not in listed["next"]


@pytest.mark.parametrize(
    "accept",
    ["application/json", "*/*", None, "application/json, text/plain", "application/*;q=0.9"],
)
def test_accept_spellings_that_pick_json_share_one_entry(client, posts, accept):
    assert client.get("/api/posts/", HTTP_ACCEPT="application/json")["X-Page-Cache"] == "miss"
    response = client.get("/api/posts/", **({"HTTP_ACCEPT": accept} if accept else {}))
    assert response["X-Page-Cache"] == "hit"
    assert response["Content-Type"].startswith("application/json")


def test_the_browsable_api_is_never_cached_with_a_csrf_token(client, posts):
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    first = client.get("/api/posts/", HTTP_ACCEPT=html)
    assert first.status_code == 200 and first["Content-Type"].startswith("text/html")
    visitor = type(client)()
    second = visitor.get("/api/posts/", HTTP_ACCEPT=html)
    for response in (first, second):
        assert "X-Page-Cache" not in response
        assert "private" in response["Cache-Control"]
    tokens = [re.findall(r'csrfToken: "([^"]+)"|name="csrfmiddlewaretoken" value="([^"]+)"',
                         r.content.decode()) for r in (first, second)]  # fmt: skip
    assert tokens[0] != tokens[1] or not tokens[0]


def test_browsers_keep_a_page_briefly_shared_caches_longer(client, posts, settings):
    settings.PAGE_CACHE_SECONDS = 60
    settings.PAGE_BROWSER_CACHE_SECONDS = 5
    cache_control = client.get("/")["Cache-Control"]
    assert "public" in cache_control
    assert int(re.search(r"(?<!-)max-age=(\d+)", cache_control).group(1)) <= 5
    assert 50 <= int(re.search(r"s-maxage=(\d+)", cache_control).group(1)) <= 60


def test_a_taken_down_post_answers_a_404_shared_caches_may_keep_like_any_other(
    client, posts, django_capture_on_commit_callbacks
):
    """Issue 33: nginx stores the 404 under the page's key, replacing its copy of the page;
    a draft's 404 and a made-up slug's 404 carry the same headers (no oracle)."""
    post = posts[0]
    assert client.get(f"/posts/{post.slug}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        post_update(post=post, data={"status": "draft"}, user=None)
    taken_down = client.get(f"/posts/{post.slug}/")
    made_up = client.get("/posts/no-such-post-at-all/")
    assert taken_down.status_code == made_up.status_code == 404
    assert "public" in taken_down["Cache-Control"]
    assert "s-maxage=" in taken_down["Cache-Control"]
    for header in ("Cache-Control", "Vary"):
        assert taken_down[header] == made_up[header]
    assert "X-Page-Cache" not in taken_down  # never kept by the app itself
    api_gone = client.get(f"/api/posts/{post.pk}/", HTTP_ACCEPT="application/json")
    assert api_gone.status_code == 404 and "public" in api_gone["Cache-Control"]


def test_a_logged_in_readers_404_stays_private(client, posts, django_user_model):
    user = django_user_model.objects.create_user("reader404", "r404@example.com", "pw-12345678!")
    client.force_login(user)
    response = client.get("/posts/no-such-post-at-all/")
    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")
