"""The OpenAPI schema is valid, says what it must, and its docs pages load.

schemathesis itself runs in `tests/api/test_schemathesis.py`.
"""

import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema

from blog.api.strict import NOT_BLANK

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


def test_each_create_links_to_the_operations_on_what_it_created(client):
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for collection, key, operations in (
        ("/api/posts/", "id", {"posts_retrieve", "posts_partial_update", "posts_destroy",
                               "posts_by_slug_retrieve"}),
        ("/api/categories/", "slug", {"categories_retrieve", "categories_destroy"}),
        ("/api/tags/", "slug", {"tags_update", "tags_destroy"}),
        ("/api/webhooks/", "id", {"webhooks_retrieve", "webhooks_deliveries_list"}),
    ):  # fmt: skip
        links = paths[collection]["post"]["responses"]["201"]["links"].values()
        assert operations <= {link["operationId"] for link in links}, collection
        by_id = {link["operationId"]: link for link in links}
        some = next(iter(operations - {"posts_by_slug_retrieve"}))
        assert by_id[some]["parameters"] == {key: f"$response.body#/{key}"}


def test_the_schema_states_the_rules_the_server_enforces(client, api_as, editor):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    title = schema["components"]["schemas"]["PostRequest"]["properties"]["title"]
    assert title["pattern"] == NOT_BLANK and title["maxLength"] == 200
    pattern = re.compile(title["pattern"])
    editor_api = api_as(editor)
    for value in ("\u3000 \t", " x" + "y" * 199, "a\x00"):  # the schema refuses each
        assert not pattern.match(value) or len(value) > title["maxLength"]
        response = editor_api.post("/api/posts/", {"title": value, "body": "b"}, format="json")
        assert response.status_code == 400, (value, response.content)
    response = editor_api.post("/api/posts/", {"title": " Padded ", "body": "b"}, format="json")
    assert response.status_code == 201 and response.json()["title"] == "Padded"
    list_parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/posts/"]["get"]["parameters"]
    }
    assert list_parameters["author"]["minItems"] == 1
    assert list_parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100}
    for query in ("author=", "author=a,,b", "page_size=0", "page_size=1.0", "tag=a&tag="):
        assert client.get(f"/api/posts/?{query}").status_code == 400, query
    assert client.get("/api/posts/?page=1&page=2").status_code == 400  # not a list
