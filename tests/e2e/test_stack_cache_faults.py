"""Issue 33 through the running stack: takedowns and edits leave every cache within the
documented bound, a long table lock answers 503 (not 504) with /healthz still up, the
feed survives a database outage like pages, and the site's jobs do not wait for webhooks.

Each test reads through nginx as readers do (the same URL, cacheable, keep-alive) from
several threads at once, records what every answer showed and when, and reports the
figures (`pytest -s`) that docs/deploy.md and docs/jobs.md quote.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest
import redis
import requests

from tests.e2e.conftest import ROOT, Stack, wait_for

pytestmark = pytest.mark.stack

MICROCACHE_SECONDS = 5  # NGINX_MICROCACHE_SECONDS of the stack
BREAKER_COOLDOWN = 5  # core/cache.py's default
_TITLE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def _report(what: str, **figures) -> None:
    print(f"\n[fault] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


@dataclass(frozen=True)
class Read:
    started: float  # time.monotonic()
    ended: float
    status: int | None
    body: str


class Readers:
    """`threads` anonymous readers asking for `path` through nginx, each about ten times a
    second (8 readers: a read every ~12 ms in all), fine enough for bounds of seconds.
    (Back to back, they kept a core busy in this process and in nginx for the minute these
    tests run.)"""

    def __init__(self, stack: Stack, path: str, threads: int = 8) -> None:
        self.stack, self.path, self.threads = stack, path, threads
        self.reads: list[Read] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []

    def __enter__(self) -> Readers:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)

    def _run(self) -> None:
        session = self.stack.session()
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                response = session.get(self.stack.url + self.path, timeout=40)
                read = Read(started, time.monotonic(), response.status_code, response.text)
            except requests.RequestException as error:
                read = Read(started, time.monotonic(), None, repr(error))
                session = self.stack.session()
            with self._lock:
                self.reads.append(read)
            time.sleep(0.1)

    def since(self, moment: float) -> list[Read]:
        with self._lock:
            return [read for read in self.reads if read.started >= moment]

    def stale_seconds(self, since: float, stale: Callable[[Read], bool]) -> float:
        """Seconds from `since` to the end of the last read that `stale` picks (0: none)."""
        return round(max((r.ended - since for r in self.since(since) if stale(r)), default=0), 2)


def _post(stack: Stack, token: str, title: str) -> dict:
    response = requests.post(
        stack.url + "/api/posts/",
        json={"title": title, "body": "Read by eight readers at once.", "status": "published"},
        headers={"Authorization": f"Bearer {token}"},
        verify=stack.env["STACK_CA_CERT"],
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _write(stack: Stack, token: str, method: str, post_id: int, **fields) -> requests.Response:
    response = requests.request(
        method,
        f"{stack.url}/api/posts/{post_id}/",
        json=fields or None,
        headers={"Authorization": f"Bearer {token}"},
        verify=stack.env["STACK_CA_CERT"],
        timeout=60,
    )
    assert response.status_code in (200, 204), response.text
    return response


def _shows(read: Read, title: str) -> bool:
    return read.status == 200 and title in "".join(_TITLE.findall(read.body))


# --- 33.1: a taken-down post leaves nginx within the bound, under concurrent readers ------

TAKEDOWNS = {
    "unpublished": lambda stack, token, pk: _write(stack, token, "PATCH", pk, status="draft"),
    "deleted": lambda stack, token, pk: _write(stack, token, "DELETE", pk),
    "rescheduled": lambda stack, token, pk: _write(
        stack, token, "PATCH", pk, published_at="2999-01-01T00:00:00Z"
    ),
}


@pytest.mark.parametrize("takedown", list(TAKEDOWNS))
def test_a_taken_down_post_leaves_nginx_within_the_bound_under_eight_readers(stack, takedown):
    token = stack.token()
    title = f"Taken down {takedown} {uuid.uuid4().hex[:8]}"
    post = _post(stack, token, title)
    path = f"/posts/{post['slug']}/"
    wait_for(lambda: stack.get(path).status_code == 200, 10, what="the post page")
    with Readers(stack, path, threads=8) as readers:
        time.sleep(4)  # nginx and the app hold the page, readers keep asking
        TAKEDOWNS[takedown](stack, token, post["id"])
        taken_down = time.monotonic()
        time.sleep(MICROCACHE_SECONDS + 12)
    after = readers.since(taken_down)
    stale = readers.stale_seconds(taken_down, lambda read: read.status == 200)
    _report(
        f"post {takedown} under 8 readers",
        reads_after=len(after),
        stale_200s=sum(1 for read in after if read.status == 200),
        stale_seconds=stale,
        statuses=sorted({read.status for read in after}, key=str),
    )
    assert not [read for read in readers.reads if read.status is None or read.status >= 500]
    # The bound docs/deploy.md gives for nginx: its micro-cache seconds (plus the request
    # that was fetching when the post went). Was: ~50% stale 200s for as long as asked.
    assert stale <= MICROCACHE_SECONDS + 2, stale
    late = [read for read in after if read.started > taken_down + MICROCACHE_SECONDS + 2]
    assert late and {read.status for read in late} == {404}


# --- 33.2: an edit made while Redis is away is not undone when Redis comes back ---------


def _redis_state(stack: Stack) -> dict:
    return json.loads((stack.directory / "redis" / "server.json").read_text())


@contextmanager
def _redis_frozen(stack: Stack) -> Iterator[None]:
    pid = _redis_state(stack)["pid"]
    os.kill(pid, signal.SIGSTOP)  # accepts connections (the kernel does), answers nothing
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@contextmanager
def _redis_restarted_from_disk(stack: Stack) -> Iterator[None]:
    """Stopped, then started again with what it had written to disk before the stop, as
    compose's Redis comes back from its append-only file (a snapshot here: the same data)."""
    url, directory = stack.env["REDIS_URL"], stack.directory / "redis"
    redis.Redis.from_url(url).save()
    os.kill(_redis_state(stack)["pid"], signal.SIGTERM)
    try:
        yield
    finally:
        port = url.rsplit(":", 1)[1].split("/")[0]
        subprocess.run(
            [sys.executable, "-m", "devservers", "redis", str(directory), port],
            cwd=ROOT, check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        (directory / "dump.rdb").unlink(missing_ok=True)  # later restarts start empty


OUTAGES = {"frozen": _redis_frozen, "restarted-from-disk": _redis_restarted_from_disk}


@pytest.mark.parametrize("outage", list(OUTAGES))
def test_an_edit_during_a_redis_outage_is_not_undone_when_redis_comes_back(stack, outage):
    token = stack.token()
    before = f"Before the blip {uuid.uuid4().hex[:8]}"
    after = f"Edited during the outage {uuid.uuid4().hex[:8]}"
    post = _post(stack, token, before)
    path = f"/posts/{post['slug']}/"
    with Readers(stack, path, threads=4) as readers:
        # The app's cache and nginx hold the page as it was (a fresh entry: ~60 s to live).
        wait_for(lambda: any(_shows(r, before) for r in readers.reads), 10, what="the page")
        time.sleep(3)
        with OUTAGES[outage](stack):
            _write(stack, token, "PATCH", post["id"], title=after)
            saved = time.monotonic()
            time.sleep(3)
        back = time.monotonic()
        time.sleep(BREAKER_COOLDOWN + MICROCACHE_SECONDS + 10)
    wait_for(lambda: _ready(stack), 30, what="/readyz 200 again")
    reverted = readers.stale_seconds(back, lambda read: _shows(read, before))
    bound = BREAKER_COOLDOWN + MICROCACHE_SECONDS + 2  # + a fetch under load
    late = [r for r in readers.since(back) if r.started > back + bound]
    _report(
        f"edit during Redis {outage}",
        outage_seconds=round(back - saved, 1),
        reads_after_back=len(readers.since(back)),
        old_page_seconds_after_back=reverted,
        failed=sum(1 for r in readers.reads if r.status is None or r.status >= 500),
    )
    assert not [r for r in readers.reads if r.status is None or r.status >= 500]
    # docs/deploy.md: at most the breaker's cooldown (its own probe closes it, and every
    # page is retired) plus nginx's micro-cache. Was: the old page for up to ~50 s (and
    # 16.7 s here with the retirement but without the breaker's own probe).
    assert reverted <= bound, reverted
    assert late and all(_shows(read, after) for read in late)


def _ready(stack: Stack) -> bool:
    try:
        return stack.get("/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


# --- 33.9: a long table lock is 503 + Retry-After in seconds, /healthz stays up ----------


def test_a_long_table_lock_answers_503_quickly_and_healthz_keeps_answering(stack):
    token = stack.token()
    post = _post(stack, token, f"Behind a table lock {uuid.uuid4().hex[:8]}")
    path = f"/posts/{post['slug']}/"
    assert stack.get(path).status_code == 200
    fresh: list[tuple[float, int | None, str | None]] = []
    probes: list[float] = []
    stop = threading.Event()

    def fresh_reader() -> None:  # a header no authentication reads: never cached
        session = stack.session()
        while not stop.is_set():
            started = time.monotonic()
            try:
                response = session.get(
                    stack.url + path, headers={"Authorization": f"Fresh {uuid.uuid4().hex}"},
                    timeout=60,
                )  # fmt: skip
                fresh.append(
                    (time.monotonic() - started, response.status_code,
                     response.headers.get("Retry-After"))
                )  # fmt: skip
            except requests.RequestException:
                fresh.append((time.monotonic() - started, None, None))

    def prober() -> None:  # liveness straight to gunicorn, as Docker's HEALTHCHECK asks
        while not stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(stack.env["STACK_WEB_URL"] + "/healthz", timeout=30).ok
            except requests.RequestException:
                ok = False
            probes.append(time.monotonic() - started if ok else 99.0)
            time.sleep(0.2)

    lock_seconds = 20
    threads = [threading.Thread(target=fresh_reader, daemon=True) for _ in range(12)]
    threads.append(threading.Thread(target=prober, daemon=True))
    with psycopg.connect(stack.env["DATABASE_URL"]) as lock:
        lock.execute("LOCK TABLE blog_post IN ACCESS EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        time.sleep(lock_seconds)
        stop.set()
        lock.rollback()
    for thread in threads:
        thread.join(60)
    statuses = sorted({status for _, status, _ in fresh}, key=str)
    _report(
        f"{lock_seconds} s ACCESS EXCLUSIVE lock on blog_post",
        fresh_requests=len(fresh),
        statuses=statuses,
        slowest_fresh=round(max(s for s, _, _ in fresh), 2),
        healthz_probes=len(probes),
        slowest_healthz=round(max(probes), 2),
    )
    assert fresh and set(statuses) <= {200, 503}, statuses
    assert all(retry == "5" for _, status, retry in fresh if status == 503)
    # lock_timeout (3 s; a timeout is not retried) plus a request's own work, far below
    # nginx's 35 s and the 20 s lock: never a 504. Was: every request waited for the whole
    # lock. 12 readers share 8 request threads, so a request may first wait for another's
    # 503 (two full runs under xdist saw 9.06 s once each with 2 cores busy).
    assert max(s for s, _, _ in fresh) < 15
    # A probe queues for a free request thread behind the readers' 503s (3 s each: a lock
    # timeout is not retried; 12 readers on 8 threads), never for the lock: it keeps
    # answering while the lock lasts, and none waits anywhere near its 20 s. Docker probes
    # every 30 s, gives up on one after 4 s and marks the container unhealthy after 3
    # misses in a row (Dockerfile: --interval=30s --retries=3, deploy/healthcheck.py:
    # timeout=4): a lock shorter than a minute cannot do that. Back to back, as here, on 2
    # busy cores probes took 3.0, 5.8, 5.8 and 4.8 s in one run: how long each waits for a
    # thread is the machine's, how many complete and that none waits for the lock is ours.
    assert len(probes) >= 3 and max(probes) < 3 * 4, probes


# --- 33.9: the feed survives a database outage like pages -------------------------------


@contextmanager
def _postgres_stopped(stack: Stack) -> Iterator[None]:
    state = json.loads((stack.directory / "postgres" / "server.json").read_text())
    for command in state["stop"]:
        subprocess.run(command, capture_output=True, check=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run(
            [sys.executable, "-m", "devservers", "restart", str(stack.directory / "postgres")],
            cwd=ROOT, check=True, capture_output=True, timeout=60,
        )  # fmt: skip


def test_the_feed_is_served_stale_by_nginx_while_the_database_is_away(stack):
    token = stack.token()
    post = _post(stack, token, f"In the feed {uuid.uuid4().hex[:8]}")
    feed = stack.get("/feed/")
    assert feed.status_code == 200 and post["title"] in feed.text
    home = stack.get("/")
    assert home.status_code == 200
    # Retire the app's own copies, so that only nginx's can answer without the database.
    _write(stack, token, "PATCH", post["id"], body="Edited: every cached page retired.")
    with _postgres_stopped(stack):
        time.sleep(MICROCACHE_SECONDS + 1)  # nginx's copies expire: it must ask gunicorn
        during = {path: stack.get(path, timeout=30) for path in ("/feed/", "/")}
    wait_for(lambda: _ready(stack), 30, what="/readyz 200 again")
    _report(
        "PostgreSQL stopped",
        **{
            path: f"{r.status_code} {r.headers.get('X-Cache-Status')}" for path, r in during.items()
        },
    )
    for path, response in during.items():
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["X-Cache-Status"] in ("STALE", "UPDATING"), path
    assert post["title"] in during["/feed/"].text


# --- 33.9: the site's own jobs do not wait for the webhook worker -----------------------


def _announced(stack: Stack, post_id: int) -> bool:
    found = re.findall(
        r"announced \d+ post\(s\) that went public: \[([\d, ]*)\]", stack.log("worker")
    )
    return any(str(post_id) in ids.replace(" ", "").split(",") for ids in found)


def test_the_site_worker_announces_a_post_while_the_webhook_worker_is_stuck(stack):
    """A receiver hanging every delivery slot (here: the webhook worker frozen outright)
    holds no go-live announcement back: they are on a queue and a worker of their own."""
    pid = stack.pid("webhook-worker")
    os.killpg(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        post = _post(stack, stack.token(), f"Announced regardless {uuid.uuid4().hex[:8]}")
        wait_for(lambda: _announced(stack, post["id"]), 30, what="the go-live announcement")
        announced_after = time.monotonic() - started
    finally:
        os.killpg(pid, signal.SIGCONT)
    _report("webhook worker frozen", announced_after=round(announced_after, 1))
