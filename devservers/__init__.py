"""Throwaway PostgreSQL and Redis servers on free loopback ports, and `wait_for`.

Used by the test run (tests/servers_plugin.py, fixtures), `make stack` (scripts/stack.sh)
and the benchmarks (bench/), so it lives at the top level rather than inside `tests/`:
a plain package with no Django import, importable from the project root.

Written by hand rather than with pytest-postgresql / pytest-redis because CI and these
machines run as root, and `initdb` refuses root: the cluster is created and run as an
unprivileged user (`runuser -u postgres`), which those plugins cannot do. Each server
lives in its own temporary directory and is stopped (and the directory removed) by
`stop()`.

    python -m devservers postgres /tmp/dir   # prints a DATABASE_URL, keeps running
    python -m devservers stop /tmp/dir       # stops it (scripts/stack.sh uses both)
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

UNPRIVILEGED_USER = os.environ.get("BROADSHEET_PG_USER", "postgres")

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """`wait_for` gave up. An AssertionError, so a test that waits in vain fails (not errors)."""


def wait_for(
    predicate: Callable[[], T], timeout: float = 20.0, what: str = "", *, interval: float = 0.05
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and
    return that; raise `WaitTimeout` after `timeout` seconds, naming `what` it waited for.

    The one polling loop of the tests, the servers here and the benchmarks: whatever waits
    for a port, a process, a log line or a row uses it (tests import it from here).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on loopback `port`."""
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    """Wait until a server accepts connections on loopback `port`."""
    wait_for(lambda: listening(port), timeout, what=f"a server on port {port}")


def _postgres_bindir() -> Path:
    """The directory with initdb/pg_ctl: from PG_BINDIR, pg_config, or Debian's layout."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if debian:
        return debian[-1].parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install them (apt-get install postgresql) "
        "or set DATABASE_URL to a running server."
    )


def _as_unprivileged(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED_USER, "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Server:
    """A running throwaway server: its URL, and how to stop it."""

    url: str
    port: int
    directory: Path
    _stop: list[list[str]] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        for cmd in self._stop:
            subprocess.run(cmd, capture_output=True, check=False)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_postgres(directory: Path | None = None, port: int | None = None) -> Server:
    """initdb + start a PostgreSQL cluster on loopback; returns its `DATABASE_URL`."""
    bindir = _postgres_bindir()
    directory = Path(directory or tempfile.mkdtemp(prefix="broadsheet-pg-"))
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    data, log = directory / "data", directory / "postgres.log"
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
        os.chmod(directory, 0o755)
        os.chown(directory, user.pw_uid, user.pw_gid)
    subprocess.run(
        _as_unprivileged(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    options += " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    subprocess.run(
        _as_unprivileged(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    wait_for_port(port)
    stop = _as_unprivileged([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
    return Server(
        url=f"postgres://postgres@127.0.0.1:{port}/postgres",
        port=port,
        directory=directory,
        _stop=[stop],
    )


def start_redis(directory: Path | None = None, port: int | None = None) -> Server:
    """Start a Redis server on loopback that keeps nothing on disk; returns its URL."""
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError(
            "redis-server not found: install it (apt-get install redis-server) "
            "or set REDIS_URL to a running server."
        )
    directory = Path(directory or tempfile.mkdtemp(prefix="broadsheet-redis-"))
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return Server(
        url=f"redis://127.0.0.1:{port}/0", port=port, directory=directory, process=process
    )


def save(server: Server, kind: str) -> None:
    """Record how to stop (and restart) a server started from the command line."""
    state = {"kind": kind, "url": server.url, "port": server.port, "stop": server._stop}
    if server.process is not None:
        state["pid"] = server.process.pid
    if kind == "postgres":
        # Its output goes to the log: a pipe would stay open as long as the server runs.
        log = str(server.directory / "postgres.log")
        state["restart"] = [
            [*cmd[: cmd.index("-m")], "-l", log, "-m", "fast", "-w", "restart"]
            for cmd in server._stop
        ]
    (server.directory / "server.json").write_text(json.dumps(state))


def saved(directory: Path) -> dict:
    return json.loads((directory / "server.json").read_text())


def stop_saved(directory: Path, *, remove: bool = True) -> None:
    """Stop a server that `python -m devservers postgres|redis DIR` started."""
    with contextlib.suppress(FileNotFoundError):
        state = saved(directory)
        for cmd in state["stop"]:
            subprocess.run(cmd, capture_output=True, check=False)
        if "pid" in state:
            with contextlib.suppress(ProcessLookupError):
                os.kill(state["pid"], signal.SIGTERM)
            with contextlib.suppress(WaitTimeout):
                wait_for(lambda: not _alive(state["pid"]), 10, what="the server to exit")
    if remove:
        shutil.rmtree(directory, ignore_errors=True)


def restart_saved(directory: Path) -> None:
    """Restart a saved PostgreSQL server in place (same data, same port)."""
    for cmd in saved(directory)["restart"]:
        subprocess.run(cmd, check=True, capture_output=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        # Reap it if it is our own child (a zombie still answers kill 0).
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    return True
