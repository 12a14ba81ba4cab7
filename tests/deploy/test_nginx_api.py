"""nginx's own answers under /api/ (deploy/nginx/broadsheet.conf.template), with the
production site in front of a dead upstream: problem documents with `Retry-After`, never
HTML; a body over the app's limit is nginx's 413 problem, never a 502 (issue 25,
finding 5; issue 33, finding 9).
"""

from __future__ import annotations

import re

import pytest
import requests
from django.conf import settings

from devservers import free_port
from tests.nginx import ROOT, Nginx, running

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@pytest.fixture(scope="module")
def nginx(tmp_path_factory) -> Nginx:
    """nginx with nothing behind it: gunicorn down."""
    with running(tmp_path_factory.mktemp("nginx"), f"127.0.0.1:{free_port()}") as server:
        yield server


def _session(nginx: Nginx) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = nginx.ca_cert
    return session


def _assert_problem(response: requests.Response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["code"], body["type"]) == (
        status, code, f"urn:broadsheet:problem:{code}",
    )  # fmt: skip
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_gunicorn_down_is_a_502_problem_with_retry_after_under_api_only(nginx):
    session = _session(nginx)
    for method, path in [("GET", "/api/posts/"), ("PATCH", "/api/posts/1/")]:
        response = session.request(method, nginx.url + path, json={}, timeout=10)
        _assert_problem(response, 502, "bad_gateway")
        assert response.headers["Retry-After"] == "5"
    page = session.get(nginx.url + "/", timeout=10)
    assert page.status_code == 502
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Retry-After"] == "5"


def test_a_body_over_the_apps_limit_is_nginxs_413_problem(nginx):
    session = _session(nginx)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # what Django reads of a JSON body
    url = nginx.url + "/api/posts/"
    headers = {"Content-Type": "application/json"}
    over = session.post(url, data=b" " * (limit + 1), headers=headers, timeout=10)
    _assert_problem(over, 413, "payload_too_large")
    assert "Retry-After" not in over.headers
    # Up to the limit it reaches gunicorn (here: none, so a 502), as do image uploads
    # up to their own limit.
    at_limit = session.post(url, data=b" " * limit, headers=headers, timeout=10)
    assert at_limit.status_code == 502
    image = session.post(nginx.url + "/api/images/", data=b" " * (limit + 1), timeout=10)
    assert image.status_code == 502


def test_the_api_limit_in_the_template_is_the_apps():
    template = (ROOT / "deploy/nginx/broadsheet.conf.template").read_text()
    api = template.split("location /api/ {", 1)[1].split("location /api/images/", 1)[0]
    [kilobytes] = re.findall(r"client_max_body_size (\d+)k;", api)
    assert int(kilobytes) * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_api_is_rate_limited_with_a_problem_and_retry_after(tmp_path):
    """What no cache answers (here: requests with a token) is limited per address."""
    with running(tmp_path, f"127.0.0.1:{free_port()}") as nginx:
        session = _session(nginx)
        session.headers["Authorization"] = "Bearer x"
        statuses = [session.get(nginx.url + "/api/tags/", timeout=10) for _ in range(60)]
    limited = [response for response in statuses if response.status_code == 429]
    assert limited, [response.status_code for response in statuses]
    _assert_problem(limited[0], 429, "throttled")
    assert limited[0].headers["Retry-After"] == "1"


def test_render_matches_the_template_placeholders():
    """tests/nginx.py fills every placeholder stack.sh fills (a new one must be added)."""
    stack_sh = (ROOT / "scripts/stack.sh").read_text()
    template = (ROOT / "deploy/nginx/broadsheet.conf.template").read_text()
    placeholders = set(re.findall(r"\$\{(NGINX_\w+)\}", template))
    assert placeholders <= set(re.findall(r"\$(NGINX_\w+)", stack_sh))
    assert placeholders <= set(re.findall(r'"(NGINX_\w+)"', (ROOT / "tests/nginx.py").read_text()))
