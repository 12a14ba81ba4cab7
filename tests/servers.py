"""Throwaway PostgreSQL and Redis servers on free loopback ports, for tests and `make stack`.

Written by hand rather than with pytest-postgresql / pytest-redis because CI and these
machines run as root, and `initdb` refuses root: the cluster is created and run as an
unprivileged user (`runuser -u postgres`), which those plugins cannot do. Each server
lives in its own temporary directory and is stopped (and the directory removed) by
`stop()`.

    python -m tests.servers postgres /tmp/dir   # prints a DATABASE_URL, keeps running
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

UNPRIVILEGED_USER = os.environ.get("BROADSHEET_PG_USER", "postgres")


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} did not start within {timeout} s")


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
    _wait_for_port(port)
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
    _wait_for_port(port)
    return Server(
        url=f"redis://127.0.0.1:{port}/0", port=port, directory=directory, process=process
    )


if __name__ == "__main__":
    kind, where = sys.argv[1], Path(sys.argv[2])
    port = int(sys.argv[3]) if len(sys.argv) > 3 else None
    server = (start_postgres if kind == "postgres" else start_redis)(where, port)
    print(server.url, flush=True)
