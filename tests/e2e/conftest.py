"""The whole stack (`scripts/stack.sh start`, as `make stack`) for the end-to-end tests.

Started once per test session in a temporary STACK_DIR on free loopback ports, with its
own PostgreSQL and Redis (never the suite's), demo content and an admin; stopped
afterwards even when a test or the start fails. Requests go through nginx over TLS (the
stack's self-signed certificate is the only trusted CA). Tests that break something
(tests/e2e/test_stack_faults.py) mend it before they end.

Shortened for the tests, and only here: the broker's visibility timeout (10 s instead
of 300 s) and restore scan (every 2 s instead of 30 s), so a task of a killed worker
comes back in seconds; the API's anonymous throttle and nginx's rate limit are lifted
for the load generator (127.0.0.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psycopg
import pytest
import requests

import devservers

ROOT = Path(__file__).resolve().parents[2]
ADMIN = ("e2e-admin", "e2e-Admin-password-1234")


@dataclass
class Stack:
    directory: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return self.env["STACK_URL"]

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify`
        session.verify = self.env["STACK_CA_CERT"]
        return session

    def get(self, path: str, timeout: float = 10, **kwargs) -> requests.Response:
        kwargs.setdefault("allow_redirects", False)
        return requests.get(
            self.url + path, verify=self.env["STACK_CA_CERT"], timeout=timeout, **kwargs
        )

    def manage(self, *args: str, timeout: float = 120) -> str:
        """`manage.py ARGS` against the stack's database and Redis (production settings)."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def token(self) -> str:
        """A fresh API access token for the e2e admin."""
        response = requests.post(
            self.url + "/api/auth/token/",
            json={"username": ADMIN[0], "password": ADMIN[1]},
            verify=self.env["STACK_CA_CERT"],
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return response.json()["access"]

    def stack_sh(self, *args: str) -> None:
        """`scripts/stack.sh ARGS` for this stack (e.g. `respawn worker`)."""
        result = subprocess.run(
            [str(ROOT / "scripts/stack.sh"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as connection:
            return connection.execute(query, params).fetchall()

    def pid(self, name: str) -> int:
        return int((self.directory / "pids" / f"{name}.pid").read_text())

    def log(self, name: str) -> str:
        path = self.directory / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


# What `scripts/stack.sh respawn` can start again.
ROLES = ("web", "worker", "webhook-worker", "beat")


def running(pid: int) -> bool:
    """Whether process `pid` runs (not gone, not a zombie nobody reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture(autouse=True)
def _stack_still_running(request) -> Iterator[None]:
    """After each stack test every process of the stack still runs. One found gone (beat
    ended by a database error, once) fails the test after which it was missed, with the
    end of its log, and is started again: later tests would otherwise time out waiting for
    work nobody does, far from the cause."""
    yield
    if "stack" not in request.fixturenames:
        return
    stack = request.getfixturevalue("stack")
    pids = {role: stack.directory / "pids" / f"{role}.pid" for role in ROLES}
    gone = [role for role, p in pids.items() if not (p.exists() and running(int(p.read_text())))]
    if not gone:
        return
    # The logs' ends first: a respawned process writes its start-up to the same log.
    report = [f"--- {role}.log\n{stack.log(role)[-3000:]}" for role in gone]
    for role in gone:
        try:
            stack.stack_sh("respawn", role)
        except AssertionError as error:
            report.append(f"--- respawning {role} failed: {error}")
    pytest.fail(f"stack process(es) gone after this test: {', '.join(gone)}\n" + "\n".join(report))


# The stack is polled over HTTP and SQL: twice a second unless a test asks otherwise.
wait_for = partial(devservers.wait_for, interval=0.5)


def _stack_environ(directory: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # The suite's own servers and settings must not leak into the stack.
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "PYTEST_", "STACK_"))
    }
    env.update(
        STACK_DIR=str(directory),
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        CELERY_WORKER_CONCURRENCY="1",
        CELERY_VISIBILITY_TIMEOUT="10",
        CELERY_UNACKED_RESTORE_INTERVAL="2",
        API_THROTTLE_ANON="100000/min",
        API_THROTTLE_USER="100000/min",
        # The load generator and the tests' own requests come from 127.0.0.1; the rate
        # limit is tested from 127.0.0.2 (tests/e2e/test_stack.py).
        NGINX_LIMIT_EXEMPT="127.0.0.1/32",
    )
    return env


def _read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            values[name] = value.strip("'")
    return values


@pytest.fixture(scope="session")
def stack(request) -> Stack:
    # Under /tmp and traversable: PostgreSQL runs as an unprivileged user inside it.
    directory = Path(tempfile.mkdtemp(prefix="broadsheet-e2e-"))
    directory.chmod(0o755)
    failed_before = request.session.testsfailed
    env = _stack_environ(directory)
    script = str(ROOT / "scripts/stack.sh")
    try:
        started = subprocess.run(
            [script, "start"], env=env, capture_output=True, text=True, timeout=300
        )
        if started.returncode != 0:
            logs = "\n".join(
                f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                for p in sorted((directory / "logs").glob("*.log"))
            )
            pytest.fail(f"make stack failed:\n{started.stdout}\n{started.stderr}\n{logs}")
        stack = Stack(directory, {**env, **_read_env(directory / "env")})
        stack.manage("seed_demo")
        stack.env.update(
            DJANGO_SUPERUSER_USERNAME=ADMIN[0],
            DJANGO_SUPERUSER_EMAIL="e2e-admin@example.com",
            DJANGO_SUPERUSER_PASSWORD=ADMIN[1],
        )
        stack.manage("ensure_admin")
        yield stack
    finally:
        subprocess.run([script, "stop"], env=env, capture_output=True, timeout=120)
        if request.session.testsfailed == failed_before:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"stack logs kept in {directory}/logs")
