"""Conditional requests and lost updates where API clients are: through the production
nginx, which gzips JSON (and so turns `ETag: "v"` into `W/"v"`), and straight to
gunicorn, against the stack (issue 25, findings 2 and 5).

The same scenarios as tests/api/test_conditional.py and tests/api/test_lost_updates.py,
over real HTTP with `Accept-Encoding: gzip` as httpx, requests, fetch and browsers send
it. Before the fix every conditional write through nginx was a 412.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
import requests

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.stack

WRITERS = 4
EDITS_PER_WRITER = 6
FIELDS_ROUNDS = 8


@dataclass
class Client:
    """An API client for one way in: `nginx` (TLS, gzip) or `gunicorn` (as nginx forwards)."""

    base: str
    stack: Stack
    headers: dict[str, str]

    def session(self) -> requests.Session:
        session = self.stack.session()
        session.headers.update(self.headers)
        session.headers["Accept-Encoding"] = "gzip"
        return session


@pytest.fixture(params=["nginx", "gunicorn"])
def client(request, stack: Stack) -> Client:
    auth = {"Authorization": f"Bearer {stack.token()}"}
    if request.param == "nginx":
        return Client(stack.url, stack, auth)
    # Straight to gunicorn, with the headers nginx sets (HTTPS, the canonical host).
    forwarded = {"X-Forwarded-Proto": "https", "Host": "localhost"}
    return Client(stack.env["STACK_WEB_URL"], stack, {**auth, **forwarded})


def _create(client: Client, session: requests.Session, **fields) -> tuple[str, requests.Response]:
    title = f"Conditional {uuid.uuid4().hex[:10]}"
    body = {"title": title, "body": "A body long enough to be compressed. " * 30, **fields}
    response = session.post(client.base + "/api/posts/", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.headers["Location"], response


def _assert_412_problem(response: requests.Response) -> None:
    assert response.status_code == 412, response.text[:300]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "precondition_failed"


def test_create_read_and_conditional_writes(client: Client):
    session = client.session()
    location, created = _create(client, session)
    # The 201 names the API resource on the site's origin, and carries the version.
    assert location.startswith(client.stack.url + "/api/posts/"), location
    path = location.removeprefix(client.stack.url)
    assert created.headers["ETag"] and created.json()["title"]

    read = session.get(client.base + path, timeout=10)
    assert read.status_code == 200
    etag = read.headers["ETag"]
    if client.base == client.stack.url:  # what nginx does to every JSON answer
        assert read.headers["Content-Encoding"] == "gzip" and etag.startswith("W/"), etag
    assert session.get(client.base + path, headers={"If-None-Match": etag}).status_code == 304
    assert session.get(client.base + path, headers={"If-Match": etag}).status_code == 200

    first = session.patch(
        client.base + path, json={"title": "First"}, headers={"If-Match": etag}, timeout=10
    )
    assert first.status_code == 200, first.text[:300]
    assert first.json()["title"] == "First"
    _assert_412_problem(
        session.patch(client.base + path, json={"title": "Lost"}, headers={"If-Match": etag})
    )
    _assert_412_problem(session.get(client.base + path, headers={"If-Match": etag}))
    _assert_412_problem(session.delete(client.base + path, headers={"If-Match": etag}))
    current = first.headers["ETag"]
    assert session.delete(client.base + path, headers={"If-Match": current}).status_code == 204


def test_read_then_write_edits_lose_nothing(client: Client):
    """The consumer's recipe: read, change, write with If-Match; on 412 read again.

    Every writer appends its own marks to the excerpt; at the end each mark is there
    exactly once, and only real conflicts were 412s.
    """
    session = client.session()
    location, _ = _create(client, session, excerpt="start")
    url = client.base + location.removeprefix(client.stack.url)
    conflicts = [0]
    failures: list[str] = []
    start = threading.Barrier(WRITERS)

    def writer(name: str) -> None:
        own = client.session()
        start.wait()
        for edit in range(EDITS_PER_WRITER):
            for _attempt in range(50):
                read = own.get(url, timeout=30)
                excerpt = read.json()["excerpt"]
                response = own.patch(
                    url,
                    json={"excerpt": f"{excerpt} {name}{edit}"},
                    headers={"If-Match": read.headers["ETag"]},
                    timeout=30,
                )
                if response.status_code == 200:
                    break
                if response.status_code != 412:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    return
                conflicts[0] += 1
            else:
                failures.append(f"{name}{edit}: still 412 after 50 attempts")
                return

    threads = [threading.Thread(target=writer, args=(f"w{i}-",)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not failures, failures
    marks = session.get(url, timeout=10).json()["excerpt"].split()
    expected = {f"w{i}-{edit}" for i in range(WRITERS) for edit in range(EDITS_PER_WRITER)}
    assert marks[0] == "start" and sorted(marks[1:]) == sorted(expected)
    # A conflict needs another writer's success in between: at most one per success.
    assert conflicts[0] <= WRITERS * EDITS_PER_WRITER * WRITERS


def test_concurrent_patches_of_different_fields_all_survive(client: Client):
    session = client.session()
    location, _ = _create(client, session)
    url = client.base + location.removeprefix(client.stack.url)
    values = {
        "title": [f"Title {i}" for i in range(FIELDS_ROUNDS)],
        "excerpt": [f"Excerpt {i}" for i in range(FIELDS_ROUNDS)],
        "body": [f"Body {i}" for i in range(FIELDS_ROUNDS)],
    }
    failures: list[str] = []
    start = threading.Barrier(len(values))

    def patch(field: str) -> None:
        own = client.session()
        start.wait()
        for value in values[field]:
            response = own.patch(url, json={field: value}, timeout=30)
            if response.status_code != 200:
                failures.append(f"{field}: {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=patch, args=(field,)) for field in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    stored = session.get(url, timeout=10).json()
    assert {field: stored[field] for field in values} == {f: v[-1] for f, v in values.items()}


def test_two_writers_with_one_etag_one_wins_one_gets_412(client: Client):
    session = client.session()
    location, _ = _create(client, session)
    url = client.base + location.removeprefix(client.stack.url)
    etag = session.get(url, timeout=10).headers["ETag"]
    responses: list[requests.Response] = []
    start = threading.Barrier(2)

    def patch(title: str) -> None:
        own = client.session()
        start.wait()
        responses.append(
            own.patch(url, json={"title": title}, headers={"If-Match": etag}, timeout=30)
        )

    threads = [threading.Thread(target=patch, args=(f"By {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(response.status_code for response in responses) == [200, 412]
    _assert_412_problem(next(r for r in responses if r.status_code == 412))


def test_an_over_large_body_is_a_413_problem_through_nginx(stack: Stack):
    session = stack.session()
    session.headers["Authorization"] = f"Bearer {stack.token()}"
    body = '{"title": "T", "body": "' + "x" * 3_000_000 + '"}'
    for _ in range(5):  # the 502 came "sometimes": a race with gunicorn closing
        response = session.post(
            stack.url + "/api/posts/",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413, response.text[:300]
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "payload_too_large"
