"""Background-job fixtures: a broker of our own, real worker processes, table locks.

A worker runs `celery -A config worker` in its own process group with
`BROADSHEET_TEST_WORKER=1` (see config/settings/test.py): it reads the broker it is given,
uses the test database, and writes mail to files that `Worker.mails()` counts. A table
lock held from another connection parks a task inside its transaction, which is how the
tests catch it "in the middle" without sleeping inside task code.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import kombu.pools
import psycopg
import pytest
from django.conf import settings
from django.db import connection

from config import celery_app
from core.tasks import broker_breaker
from devservers import start_redis, wait_for

READY_TIMEOUT = 30.0


def worker_database_url() -> str:
    """DATABASE_URL of the test database (the `test_` one pytest-django created)."""
    if connection.vendor == "sqlite":  # the embedded run: the test database's file
        return f"sqlite:///{connection.settings_dict['NAME']}"
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _reset_pools() -> None:
    broker_breaker.reset()  # an outage of the previous broker says nothing about this one
    kombu.pools.reset()  # the producer pools are global, keyed by connection
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def sending_to(broker_url: str) -> Iterator[None]:
    """Send tasks from this process through `broker_url` instead of running them eagerly."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    _reset_pools()
    conf.broker_url, conf.task_always_eager = broker_url, False
    try:
        yield
    finally:
        _reset_pools()
        conf.broker_url, conf.task_always_eager = saved


@contextmanager
def table_locked(table: str) -> Iterator[None]:
    """Hold an exclusive lock on `table` from a connection of our own."""
    with psycopg.connect(worker_database_url()) as conn:
        conn.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield
        finally:
            conn.rollback()


def sessions_waiting_on_locks() -> int:
    """How many database sessions (other than ours) are parked waiting for a lock."""
    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchone()
    return row[0]


def terminate_waiting_sessions() -> int:
    """Kill the server side of every session parked on a lock, as a restart would."""
    with psycopg.connect(worker_database_url(), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ).fetchall()
    return len(rows)


class Worker:
    """A `celery -A config worker` process (with its pool) against the test database."""

    def __init__(self, broker_url: str, directory: Path, concurrency: int = 1, **env: str):
        self.directory = directory
        self.mail_dir = directory / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = directory / f"worker-{uuid.uuid4().hex[:8]}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": worker_database_url(),
            "BROADSHEET_TEST_WORKER": "1",
            "BROADSHEET_TEST_BROKER_URL": broker_url,
            "BROADSHEET_TEST_MAIL_DIR": str(self.mail_dir),
            **env,
        }
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=INFO",
                    "--pool=prefork",
                    f"--concurrency={self.concurrency}",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    # Both queues, as `make worker` (production runs one worker each).
                    "--queues=celery,webhooks",
                    f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
                ],
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill() takes the pool too
            )
        wait_for(
            lambda: " ready." in self.log() or self.process.poll() is not None,
            READY_TIMEOUT,
            "the worker to be ready",
        )
        assert self.process.poll() is None, self.log()
        return self

    def log(self, since: int = 0) -> str:
        return self.log_path.read_text(errors="replace")[since:]

    def mark(self) -> int:
        """A position in the log; `log(since=mark)` shows what came after it."""
        return len(self.log())

    def succeeded(self, task_id: str) -> bool:
        return f"[{task_id}] succeeded" in self.log()

    def count(self, pattern: str, since: int = 0) -> int:
        return len(re.findall(pattern, self.log(since)))

    def pool_children(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def mails(self) -> list[str]:
        """Every mail the worker sent, as raw messages (Django's file backend)."""
        separator = "\n" + "-" * 79 + "\n"
        messages = []
        for path in sorted(self.mail_dir.glob("*.log")):
            messages += [m for m in path.read_text().split(separator) if m.strip()]
        return messages

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool alike: no warm shutdown."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # warm shutdown: finish the current task, then exit
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture(scope="module")
def broker_server():
    """A Redis server of this module's own: the cache's Redis is flushed between tests."""
    server = start_redis()
    yield server
    server.stop()


@pytest.fixture
def broker(broker_server) -> Iterator[str]:
    """This process sends tasks through the broker (not eagerly) during the test."""
    with sending_to(broker_server.url):
        yield broker_server.url


@pytest.fixture
def fresh_broker() -> Iterator[str]:
    """A broker no other worker listens on, for tests that start and kill their own."""
    server = start_redis()
    with sending_to(server.url):
        yield server.url
    server.stop()


@pytest.fixture(scope="module")
def worker(django_db_setup, broker_server, tmp_path_factory) -> Iterator[Worker]:
    """One worker with two pool processes, shared by a module's tests."""
    shared = Worker(broker_server.url, tmp_path_factory.mktemp("worker"), concurrency=2)
    shared.start()
    yield shared
    shared.stop()


@pytest.fixture
def start_worker(tmp_path) -> Iterator[Callable[..., Worker]]:
    """`start_worker(broker_url, **env)`: a worker of the test's own, stopped at the end."""
    started: list[Worker] = []

    def start(broker_url: str, concurrency: int = 1, **env: str) -> Worker:
        started.append(Worker(broker_url, tmp_path, concurrency, **env).start())
        return started[-1]

    yield start
    for each in started:
        each.stop()
