"""The OpenAPI schema is valid, says what it must, and its docs pages load.

schemathesis itself runs in `tests/api/test_schemathesis.py`.
"""

import re

import pytest
import yaml
from drf_spectacular.validation import validate_schema

from api.strict import NOT_BLANK


def _yaml(text: bytes | str):
    """The schema document: libyaml's safe loader when present (pure Python's took ~1 s
    per test on the schema's size), the same safe subset of YAML."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _schema(client) -> dict:
    """The same document as JSON: rendering and reading the schema's YAML took ~1 s a
    test; only `test_schema_is_valid_openapi_3` reads the YAML clients get by default."""
    return client.get("/api/schema/?format=json").json()


pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = _yaml(response.content)
    assert spec["openapi"].startswith("3.")
    validate_schema(spec)  # against the official OpenAPI 3 JSON schema
    assert {
        "/api/posts/", "/api/posts/{id}/", "/api/posts/published/", "/api/posts/by-slug/{slug}/",
        "/api/authors/", "/api/authors/{username}/", "/api/categories/", "/api/tags/",
        "/api/auth/token/", "/api/auth/token/refresh/",
    } <= set(spec["paths"])  # fmt: skip


def test_schema_says_which_operations_need_no_token(client):
    paths = _schema(client)["paths"]
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
    paths = _schema(client)["paths"]
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
    schema = _schema(client)
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


def test_a_full_post_has_every_field_required_a_shaped_one_is_partial_post(client):
    """Issue 25.6: `Post` had no required field, so every generated type was optional."""
    schema = _schema(client)
    schemas = schema["components"]["schemas"]
    post = schemas["Post"]
    assert set(post["required"]) == set(post["properties"]) and "title" in post["required"]
    assert "required" not in schemas["PartialPost"]
    assert schemas["PartialPost"]["properties"] == post["properties"]
    for name in ("Category", "Tag", "Author", "Endpoint"):
        assert set(schemas[name]["required"]) == set(schemas[name]["properties"]), name
    refs = ("#/components/schemas/Post", "#/components/schemas/PartialPost")
    either = {"anyOf": [{"$ref": ref} for ref in refs]}
    detail = schema["paths"]["/api/posts/{id}/"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == either
    assert schemas["PaginatedPostList"]["properties"]["results"]["items"] == either


def test_request_bodies_are_closed(client):
    schemas = _schema(client)["components"]["schemas"]
    for name in ("PostRequest", "PatchedPostRequest", "CategoryRequest", "EndpointRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    assert "slug" in schemas["PatchedPostRequest"]["properties"]  # writable now (25.4)


def test_header_parameters_and_response_headers_are_declared(client):
    paths = _schema(client)["paths"]

    def headers_in(operation):
        return {p["name"] for p in operation["parameters"] if p["in"] == "header"}

    assert headers_in(paths["/api/posts/{id}/"]["get"]) == {"If-None-Match", "If-Modified-Since"}
    for method in ("put", "patch", "delete"):
        assert {"If-Match", "If-Unmodified-Since"} <= headers_in(paths["/api/posts/{id}/"][method])
    read = paths["/api/posts/{id}/"]["get"]["responses"]
    assert {"ETag", "Last-Modified", "RateLimit-Limit", "RateLimit-Remaining"} <= set(
        read["200"]["headers"]
    )
    assert "ETag" in read["304"]["headers"]
    assert "Retry-After" in read["429"]["headers"]
    created = paths["/api/posts/"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag", "RateLimit-Policy"} <= set(created)
    assert "ETag" in paths["/api/posts/{id}/"]["patch"]["responses"]["200"]["headers"]


def test_a_blank_text_field_matches_its_schema_once(client):
    """`oneOf: [{pattern admitting ""}, {maxLength: 0}]` called "" invalid (it matched
    twice): `excerpt` and a webhook's `description`, which accept ""."""
    import jsonschema

    schemas = _schema(client)["components"]["schemas"]
    for component, field in (
        ("PostRequest", "excerpt"),
        ("PatchedPostRequest", "excerpt"),
        ("EndpointRequest", "description"),
    ):
        property_schema = schemas[component]["properties"][field]
        jsonschema.validate("", property_schema)
        jsonschema.validate("Some text", property_schema)
        assert "oneOf" not in property_schema


def test_each_enum_is_one_named_component(client):
    """Inlined 2-8 times, the fields/omit/ordering/status enums became incompatible types
    (ordering members VALUE_0…) in generated clients."""
    schema = _schema(client)
    schemas = schema["components"]["schemas"]
    inline = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                found = parameter["schema"].get("items", parameter["schema"])
                if "enum" in found:
                    inline.append((path, method, parameter["name"]))
    assert inline == []
    enums = [frozenset(s["enum"]) for s in schemas.values() if "enum" in s]
    assert len(enums) == len(set(enums)) or _only_resource_orderings(schemas)
    posts = {p["name"]: p["schema"] for p in schema["paths"]["/api/posts/"]["get"]["parameters"]}
    assert posts["ordering"] == {"$ref": "#/components/schemas/PostOrderingEnum"}
    assert posts["status"] == {"$ref": "#/components/schemas/PostStatusEnum"}
    assert posts["fields"]["items"] == {"$ref": "#/components/schemas/PostFieldEnum"}
    assert posts["omit"]["items"] == posts["fields"]["items"]
    assert posts["format"] == {"$ref": "#/components/schemas/ResponseFormatEnum"}
    assert schemas["ResponseFormatEnum"]["enum"] == ["json"]
    parameters = schema["paths"]["/api/posts/"]["get"]["parameters"]
    list_parameters = [p for p in parameters if p["schema"].get("type") == "array"]
    # Repeated (`?tag=a&tag=b`), as generated clients send lists; commas are read too.
    assert {"tag", "tag_all", "fields", "omit", "author"} <= {p["name"] for p in list_parameters}
    assert all(p["explode"] is True for p in list_parameters)


def _only_resource_orderings(schemas: dict) -> bool:
    """Tags and categories both order by name: one enum each, named for its resource."""
    seen: dict = {}
    for name, s in schemas.items():
        if "enum" in s:
            seen.setdefault(frozenset(s["enum"]), []).append(name)
    shared = [names for names in seen.values() if len(names) > 1]
    return all(all(n.endswith("OrderingEnum") for n in names) for names in shared)


def test_an_unknown_format_is_a_400(client):
    assert client.get("/api/posts/?format=json").status_code == 200
    response = client.get("/api/posts/?format=xml")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "format"


def test_webhook_deliveries_are_described_as_openapi_3_1_webhooks(client):
    schema = _schema(client)
    assert schema["openapi"].startswith("3.1")
    events = {"post.published", "post.updated", "post.unpublished", "post.deleted"}
    audience = {"member.created", "member.deleted", "newsletter.sent"}  # webhooks.audience
    events |= {"comment.created", "comment.approved"}  # issue 32
    assert set(schema["webhooks"]) == events | audience
    for event in events:
        delivery = schema["webhooks"][event]["post"]
        body = delivery["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/WebhookPayload"}
        assert "Broadsheet-Signature" in delivery["description"]
    payload = schema["components"]["schemas"]["WebhookPayload"]
    assert set(payload["required"]) == {"id", "event", "created_at", "data"}
    assert payload["properties"]["event"]["$ref"].endswith("/WebhookEventEnum")
    # OpenAPI 3.1 has no `nullable`: a page's `next` may be null all the same.
    page = schema["components"]["schemas"]["PaginatedPostList"]["properties"]
    assert page["next"]["type"] == ["string", "null"] and "nullable" not in page["next"]


def test_the_webhook_payload_schema_matches_a_real_delivery(db, editor):
    """What `dispatch` stores and sends validates against `WebhookPayload`."""
    import json

    import jsonschema
    from django.test import Client

    from tests.factories import PostFactory
    from webhooks.models import Endpoint, Event
    from webhooks.services import dispatch
    from webhooks.signals import post_data

    schema = _schema(Client())
    Endpoint.objects.create(url="https://hooks.example.com/in", created_by=editor)
    post = PostFactory()
    deliveries = dispatch(event=Event.UPDATED, data=post_data(post))
    deliveries += dispatch(event=Event.DELETED, data={"post": {"id": post.pk, "slug": post.slug}})
    resolver = {"components": schema["components"]}
    for delivery in deliveries:
        payload = json.loads(json.dumps(delivery.payload))
        jsonschema.validate(
            payload,
            {"$ref": "#/components/schemas/WebhookPayload", **resolver},
            cls=jsonschema.Draft202012Validator,
        )
