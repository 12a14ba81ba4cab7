"""The OpenAPI schema is valid, its docs pages load, and schemathesis finds no 500s.

schemathesis generates requests from `/api/schema/` for every operation, as an anonymous
client and as an editor with a token, and checks that the API never answers 5xx and that
every documented response matches the schema.
"""

import pytest
import schemathesis
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings

from config.wsgi import application
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate_schema(spec)  # against the official OpenAPI 3 JSON schema
    assert {"/api/posts/", "/api/posts/{id}/", "/api/posts/published/", "/api/authors/",
            "/api/categories/", "/api/tags/", "/api/auth/token/"} <= set(spec["paths"])  # fmt: skip


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_local_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "https://" not in html.replace("https://testserver", ""), "an asset from another host"


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.fixture
def api_schema(db):
    spec = yaml.safe_load(Client().get("/api/schema/").content)
    return schemathesis.from_dict(spec, app=application)


@pytest.fixture
def keep_connection(seeded):
    """Like Django's test client: a request must not close the test's DB connection.

    After `seeded`: Django's own test client reconnects the handler when it finishes.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db):
    editor = EditorFactory(username="schema-editor")
    category, tag = CategoryFactory(name="Seeded", slug="seeded"), TagFactory(slug="seeded")
    PostFactory(category=category, tags=[tag], author=editor)
    PostFactory(draft=True, author=editor)
    token = Client().post(
        "/api/auth/token/",
        {"username": editor.username, "password": "correct-horse-battery"},
        content_type="application/json",
    )
    return {"Authorization": f"Bearer {token.json()['access']}"}


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_never_errors_and_matches_schema(case, seeded, keep_connection):
    checks = (
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.response_schema_conformance,
    )
    anonymous = case.call_wsgi()
    case.validate_response(anonymous, checks=checks)
    editor = case.call_wsgi(headers=seeded)
    case.validate_response(editor, checks=checks)
