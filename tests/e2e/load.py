"""A small, bounded load generator for the fault-injection tests (loopback only).

    with Load(stack, [page_request, api_write], threads=4, seconds=20) as load:
        ...break something, wait, mend it...
    assert load.count(500) == 0, load.summary()

Each thread keeps one `requests.Session` (keep-alive, as browsers and API clients do) and
calls its request functions in turn, pausing `pause` seconds between them (about ten
requests a second each: a steady stream through a fault without keeping a core busy in
the test process and in gunicorn), until the block ends or `seconds` pass, whichever
comes first; every answer (or connection error) is recorded with its start time, so a
test can say when failures happened and when the stack recovered.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import requests

from tests.e2e.conftest import Stack

# A request function: given the stack and a session, send one request and return it.
Request = Callable[[Stack, requests.Session], requests.Response]


@dataclass(frozen=True)
class Outcome:
    started: float  # time.monotonic()
    seconds: float
    what: str
    status: int | None  # None: no HTTP answer at all (reset, refused, timeout)
    error: str = ""
    retry_after: str | None = None
    content_type: str = ""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 500


class Load:
    """`threads` clients sending `requests` round-robin for at most `seconds`."""

    def __init__(
        self,
        stack: Stack,
        requests_: list[Request],
        threads: int = 4,
        seconds: float = 30,
        pause: float = 0.1,
    ) -> None:
        self.stack, self.requests, self.threads = stack, requests_, threads
        self.seconds, self.pause = seconds, pause
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, args=(n,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)

    def _run(self, n: int) -> None:
        session = self.stack.session()
        deadline = self.started + self.seconds
        i = n
        while not self._stop.is_set() and time.monotonic() < deadline:
            send = self.requests[i % len(self.requests)]
            i += 1
            start = time.monotonic()
            try:
                response = send(self.stack, session)
                outcome = Outcome(
                    start,
                    time.monotonic() - start,
                    send.__name__,
                    response.status_code,
                    retry_after=response.headers.get("Retry-After"),
                    content_type=response.headers.get("Content-Type", ""),
                )
            except requests.RequestException as error:
                outcome = Outcome(start, time.monotonic() - start, send.__name__, None, repr(error))
                session = self.stack.session()  # as a client would: a new connection
            with self._lock:
                self.outcomes.append(outcome)
            time.sleep(self.pause)

    def wait(self, seconds: float) -> None:
        """Let the load run for `seconds` more (never past its bound)."""
        time.sleep(max(0.0, min(seconds, self.started + self.seconds - time.monotonic())))

    def with_status(self, status: int | None) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    def count(self, status: int | None) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def overlapping(self, start: float, end: float) -> list[Outcome]:
        """The requests under way at some moment between `start` and `end` (started
        before `end`, answered after `start`): what a fault in that window met."""
        return [o for o in self.outcomes if o.started <= end and o.started + o.seconds >= start]

    def failures(self, since: float = 0.0) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed and o.started >= since]

    def recovered_after(self, since: float) -> float:
        """Seconds from `since` until the end of the last failed request (0: none failed)."""
        failed = self.failures(since)
        return max((o.started + o.seconds - since for o in failed), default=0.0)

    def summary(self) -> str:
        statuses = Counter(
            f"{o.what}:{o.status if o.status is not None else 'no answer'}" for o in self.outcomes
        )
        errors = Counter(o.error.split("(")[0] for o in self.outcomes if o.error)
        return f"{len(self.outcomes)} requests {dict(sorted(statuses.items()))} {dict(errors)}"


def fresh_page(path: str) -> Request:
    """GET `path` so that no cache answers it: rendered by Django now.

    The caches key only on the parameters a page reads and are bypassed for requests with
    an `Authorization` header: an API list gets a search nobody asked for before; a page
    gets a header of a scheme no authentication reads (it stays anonymous).
    """

    def page(stack: Stack, session: requests.Session) -> requests.Response:
        if path.startswith("/api/"):
            return session.get(f"{stack.url}{path}?search={uuid.uuid4().hex}", timeout=40)
        headers = {"Authorization": f"Fresh {uuid.uuid4().hex}"}
        return session.get(stack.url + path, headers=headers, timeout=40)

    page.__name__ = f"fresh {path}"
    return page


def cached_page(path: str) -> Request:
    """GET `path` as every anonymous reader does: the same URL, cacheable."""

    def page(stack: Stack, session: requests.Session) -> requests.Response:
        return session.get(stack.url + path, timeout=40)

    page.__name__ = f"cached {path}"
    return page
