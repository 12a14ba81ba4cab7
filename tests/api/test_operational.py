"""Operational signals: rate-limit headers, CORS exposure, the schema built once."""

import pytest
from rest_framework.throttling import AnonRateThrottle

from api import schema_view

pytestmark = pytest.mark.django_db


def test_rate_limit_headers_count_down_and_a_429_says_when(api, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/min", raising=False)
    seen = [api.get("/api/tags/") for _ in range(4)]
    assert [r["RateLimit-Remaining"] for r in seen[:3]] == ["2", "1", "0"]
    assert all(r["RateLimit-Limit"] == "3" and r["RateLimit-Policy"] == "3;w=60" for r in seen)
    throttled = seen[3]
    assert throttled.status_code == 429 and throttled["RateLimit-Remaining"] == "0"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert 0 < int(throttled["RateLimit-Reset"]) <= 60


def test_browsers_may_read_the_rate_limit_and_validator_headers(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://reader.example"]
    response = api.get("/api/tags/", HTTP_ORIGIN="https://reader.example")
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "ETag"} <= exposed


def test_the_schema_is_built_once_per_process(client):
    schema_view._built.clear()
    schema_view.warm_up()
    [(key, built)] = schema_view._built.items()
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/schema/?format=json").status_code == 200
    assert schema_view._built[key] is built  # served from the warm copy, not rebuilt


def test_a_listed_origin_may_write_conditionally_others_get_no_cors(api, settings):
    """docs/api.md, "Browsers and CORS": DJANGO_CORS_ALLOWED_ORIGINS, no credentials."""
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example"]
    preflight = {
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PATCH",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, if-match",
    }
    allowed = api.options("/api/posts/1/", HTTP_ORIGIN="https://app.example", **preflight)
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example"
    sendable = {h.strip() for h in allowed["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "if-match", "if-none-match"} <= sendable
    assert "Access-Control-Allow-Credentials" not in allowed
    other = api.options("/api/posts/1/", HTTP_ORIGIN="https://evil.example", **preflight)
    assert "Access-Control-Allow-Origin" not in other
    page = api.get("/", HTTP_ORIGIN="https://app.example")
    assert "Access-Control-Allow-Origin" not in page  # the API only
