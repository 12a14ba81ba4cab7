"""The OpenAPI schema is valid, says what it must, and its docs pages load.

schemathesis itself runs in `tests/api/test_schemathesis.py`.
"""

import pytest
import yaml
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate_schema(spec)  # against the official OpenAPI 3 JSON schema
    assert {
        "/api/posts/", "/api/posts/{id}/", "/api/posts/published/", "/api/posts/by-slug/{slug}/",
        "/api/authors/", "/api/authors/{username}/", "/api/categories/", "/api/tags/",
        "/api/auth/token/", "/api/auth/token/refresh/",
    } <= set(spec["paths"])  # fmt: skip


def test_schema_says_which_operations_need_no_token(client):
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path in ("/api/posts/", "/api/posts/{id}/", "/api/categories/", "/api/authors/"):
        assert {} in paths[path]["get"]["security"], path
    assert {} not in paths["/api/posts/"]["post"]["security"]
    assert {} not in paths["/api/categories/{slug}/"]["delete"]["security"]


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_local_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html.replace("https://testserver", ""), "an asset from another host"


def test_nul_in_the_session_cookie_is_not_a_500(api, client):
    api.cookies["sessionid"] = "abcdefgh\x00"
    assert api.get("/api/tags/").status_code == 200
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/").status_code == 200
