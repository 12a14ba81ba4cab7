"""The OpenAPI schema is valid, its docs pages load, and schemathesis finds no 500s.

schemathesis generates requests from `/api/schema/` for every operation, as an anonymous
client and as an editor with a token, and checks that the API never answers 5xx and that
every documented response matches the schema.
"""

from collections import Counter

import pytest
import schemathesis
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

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


schema = schemathesis.from_pytest_fixture("api_schema")


# The single-response checks of schemathesis 3 that pass today: no 5xx, every status,
# content type, header and body as documented. Not yet on: `negative_data_rejection` (an
# empty `?author=` / `?tag=` is ignored, not refused), `positive_data_acceptance` (a
# blank-after-trim title or an opaque `cursor` is a 400 the schema cannot express) and
# `ignored_auth` (the WSGI client keeps a session cookie, so a request stripped of its
# token is still authenticated).
ALL_CHECKS = (
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

# (operation, "anonymous" | "editor", status class or "failure") -> calls; printed at the
# end of the run by `tests/api/conftest.py`.
TOTALS: Counter = Counter()
# Form bodies (the image upload): werkzeug's test client sends only objects as forms.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@pytest.fixture
def api_schema(db):
    spec = yaml.safe_load(Client().get("/api/schema/").content)
    return schemathesis.from_dict(
        spec, app=application, data_generation_methods=DataGenerationMethod.all()
    )


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
    checks = ALL_CHECKS
    operation = f"{case.method} {case.path}"
    if (case.media_type or "").startswith(FORM_TYPES) and not isinstance(case.body, dict):
        return  # a form body that is not an object (negative data) cannot be sent at all
    for who, headers in (("anonymous", None), ("editor", seeded)):
        response = case.call_wsgi(headers=headers)
        TOTALS[operation, who, response.status_code // 100] += 1
        try:
            case.validate_response(response, checks=checks)
        except Exception:
            TOTALS[operation, who, "failure"] += 1
            raise


def test_nul_in_the_session_cookie_is_not_a_500(api, client):
    api.cookies["sessionid"] = "abcdefgh\x00"
    assert api.get("/api/tags/").status_code == 200
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get("/").status_code == 200
