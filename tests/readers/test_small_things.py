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
