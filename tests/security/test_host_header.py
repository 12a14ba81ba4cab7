"""Finding 1: a forged Host header never reaches an absolute URL or a cached page.

Every absolute URL comes from `BROADSHEET_SITE_URL` (`settings.SITE_URL`, `http://testserver`
in the suite). A request with `Host: localhost:6666` (an allowed host, any port) used to be
rendered with port 6666 in canonical, og:url, JSON-LD, feeds, sitemap and API links, and
cached for every later reader.
"""

import pytest
from django.core import mail
from django.http import HttpResponse

from core.origin import SiteOriginMiddleware
from tests.deploy.conftest import manage
from tests.factories import PostFactory

EVIL = "localhost:6666"


@pytest.fixture
def posts(db):
    return PostFactory.create_batch(3)


def _paths(post) -> list[str]:
    return [
        "/",
        f"/posts/{post.slug}/",
        f"/category/{post.category.slug}/",
        "/feed/",
        "/feed/atom/",
        f"/category/{post.category.slug}/feed/",
        "/sitemap.xml",
        "/sitemap-posts.xml",
        "/robots.txt",
        "/api/posts/?page_size=1",
        f"/api/posts/{post.pk}/",
        "/api/",
    ]


def test_forged_host_neither_shows_nor_poisons_the_cache(client, posts):
    for path in _paths(posts[0]):
        forged = client.get(path, HTTP_HOST=EVIL, HTTP_ACCEPT="application/json")
        assert forged.status_code == 200, path
        assert "6666" not in forged.content.decode(), f"{path} built a URL from the Host header"
        later = client.get(path, HTTP_ACCEPT="application/json")
        assert "6666" not in later.content.decode(), f"{path}: a later reader got port 6666"
        assert "http://testserver/" in later.content.decode(), path


def test_canonical_og_url_and_json_ld_use_the_configured_origin(client, posts, settings):
    settings.SITE_URL = "https://news.example.com"
    html = client.get(f"/posts/{posts[0].slug}/", HTTP_HOST=EVIL).content.decode()
    canonical = f"https://news.example.com/posts/{posts[0].slug}/"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert f'<meta property="og:url" content="{canonical}">' in html
    assert f'"mainEntityOfPage": "{canonical}"' in html
    assert "localhost" not in html


def test_api_next_link_and_post_url_use_the_configured_origin(client, posts, settings):
    settings.SITE_URL = "https://news.example.com"
    body = client.get("/api/posts/?page_size=1", HTTP_HOST=EVIL).json()
    assert body["next"].startswith("https://news.example.com/api/posts/?")
    assert body["results"][0]["url"].startswith("https://news.example.com/posts/")


def test_sitemap_and_feed_use_the_configured_origin(client, posts, settings):
    settings.SITE_URL = "https://news.example.com"
    index = client.get("/sitemap.xml", HTTP_HOST=EVIL).content.decode()
    assert "<loc>https://news.example.com/sitemap-posts.xml</loc>" in index
    section = client.get("/sitemap-posts.xml", HTTP_HOST=EVIL).content.decode()
    assert f"<loc>https://news.example.com/posts/{posts[0].slug}/</loc>" in section
    feed = client.get("/feed/", HTTP_HOST=EVIL).content.decode()
    assert f"https://news.example.com/posts/{posts[0].slug}/" in feed
    assert "localhost" not in feed


def test_password_reset_mail_links_to_the_configured_origin(client, reader, settings):
    settings.SITE_URL = "https://news.example.com"
    response = client.post("/accounts/password/reset/", {"email": reader.email}, HTTP_HOST=EVIL)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert "https://news.example.com/accounts/reset/" in message.body
    assert "6666" not in message.body and "localhost" not in message.body


def test_production_refuses_a_site_url_that_is_not_an_origin():
    result = manage("check", BROADSHEET_SITE_URL="news.example.com/blog")
    assert result.returncode != 0
    assert "BROADSHEET_SITE_URL must be an origin" in result.stderr


def test_any_absolute_uri_a_request_builds_uses_the_configured_origin(rf, settings):
    """`request.build_absolute_uri()` anywhere (Django, DRF, our views) answers on the
    site's origin, with Django's own rules for relative and scheme-relative locations;
    the request's Host still decides host validation and the CSRF origin check."""
    settings.SITE_URL = "https://news.example.com"
    request = rf.get("/posts/a/?page=2", HTTP_HOST=EVIL)
    seen = {}

    def view(request):
        seen["full"] = request.build_absolute_uri()
        seen["relative"] = request.build_absolute_uri("b/?x=1")
        seen["absolute_path"] = request.build_absolute_uri("/feed/")
        seen["scheme_relative"] = request.build_absolute_uri("//cdn.example/x.png")
        seen["elsewhere"] = request.build_absolute_uri("http://other.example/")
        seen["host"] = request.get_host()
        return HttpResponse()

    SiteOriginMiddleware(view)(request)
    assert seen == {
        "full": "https://news.example.com/posts/a/?page=2",
        "relative": "https://news.example.com/posts/a/b/?x=1",
        "absolute_path": "https://news.example.com/feed/",
        "scheme_relative": "https://cdn.example/x.png",
        "elsewhere": "http://other.example/",
        "host": EVIL,
    }
