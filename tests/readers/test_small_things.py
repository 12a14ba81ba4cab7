"""/posts/ for browsers and JSON clients, favicons, the friendly 404."""

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_posts_index_is_html_for_browsers(client):
    PostFactory(title="Visible one")
    PostFactory(title="Secret draft", draft=True)
    response = client.get("/posts/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>All posts</h1>" in html
    assert "Visible one" in html and "Secret draft" not in html
    assert "Accept" in response["Vary"]
    assert client.get("/posts/").status_code == 200  # curl-style */*


def test_posts_index_sends_json_clients_to_the_api(client):
    response = client.get("/posts/?category=lamps&page=2", HTTP_ACCEPT="application/json")
    assert response.status_code == 308
    assert response["Location"] == "/api/posts/?category=lamps&page=2"
    assert "Accept" in response["Vary"]
    plain = client.get("/posts/", HTTP_ACCEPT="application/json")
    assert plain.status_code == 308 and plain["Location"] == "/api/posts/"
    followed = client.get(plain["Location"], HTTP_ACCEPT="application/json")
    assert followed.status_code == 200 and followed["Content-Type"].startswith("application/json")
    # The browser's HTML, cached first, is not what a JSON client then gets.
    client.get("/posts/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert client.get("/posts/", HTTP_ACCEPT="application/json").status_code == 308


def test_favicon_everywhere(client):
    for url in ["/", "/admin/login/", "/api/redoc/"]:
        html = client.get(url).content.decode()
        assert '<link rel="icon" href="/static/img/favicon.svg"' in html, url
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_redoc_names_no_other_host(client):
    html = client.get("/api/redoc/").content.decode()
    assert "fonts.googleapis" not in html and "cdn.redoc.ly" not in html
    assert '<script src="/static/js/redoc-local.js"' in html
    assert html.index("redoc-local.js") < html.index("redoc.standalone.js")


def test_friendly_404_with_debug_on(client, settings):
    """`make run` keeps DEBUG on; readers still get the site's page, not Django's."""
    settings.DEBUG = True
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "blog.middleware.FriendlyNotFoundMiddleware"]
    for url in ["/no-such-page/", "/posts/no-such-post/", "/category/nope/"]:
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "<h1>Page not found</h1>" in html, url
        assert "URLconf" not in html and "Django tried these URL patterns" not in html
    api = client.get("/api/posts/by-slug/nope/")
    assert api.status_code == 404 and "detail" in api.json()  # the API keeps its JSON
