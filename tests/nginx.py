"""The production nginx site (deploy/nginx/broadsheet.conf.template) on free loopback ports,
in front of any upstream, for tests that need nginx without the whole stack.

Rendered the way scripts/stack.sh renders it (the same placeholders, the stack's main
file), with a throwaway self-signed certificate. `scripts/stack.sh` stays the way the
stack itself starts nginx; this is for a single nginx in front of a test's own upstream
(a dead port, a threaded test server).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devservers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[1]


def render(directory: Path, upstream: str, **overrides: str) -> dict[str, str]:
    """Write nginx.conf and broadsheet.conf into `directory`; the values used."""
    https, http = free_port(), free_port()
    values = {
        "NGINX_SERVER_NAME": "localhost 127.0.0.1",
        "NGINX_HTTP_LISTEN": f"127.0.0.1:{http}",
        "NGINX_HTTPS_LISTEN": f"127.0.0.1:{https}",
        "NGINX_HTTPS_PORT_SUFFIX": f":{https}",
        "NGINX_UPSTREAM": upstream,
        "NGINX_SSL_CERT": str(directory / "cert.pem"),
        "NGINX_SSL_KEY": str(directory / "key.pem"),
        "NGINX_CACHE_DIR": str(directory / "cache"),
        "NGINX_MICROCACHE_SECONDS": "5",
        "NGINX_ACCESS_LOG": str(directory / "access.log"),
        "NGINX_MEDIA_ROOT": str(directory / "media"),
        "NGINX_LIMIT_EXEMPT": "0.0.0.0/32",
        "NGINX_PREFIX": str(directory),
        # As scripts/stack.sh: workers as root when the tests run as root, so they can
        # write the cache and temporary files under a private test directory.
        "NGINX_USER_DIRECTIVE": "user root;" if os.getuid() == 0 else "",
        **overrides,
    }
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", values["NGINX_SSL_KEY"], "-out", values["NGINX_SSL_CERT"],
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = (ROOT / "deploy/nginx/broadsheet.conf.template").read_text()
    main = (ROOT / "deploy/nginx/stack.conf.template").read_text()
    for name, value in values.items():
        site = site.replace("${" + name + "}", value)
        main = main.replace("${" + name + "}", value)
    assert "${NGINX" not in site + main
    for sub in ("tmp", "cache", "media"):
        (directory / sub).mkdir(exist_ok=True)
    (directory / "broadsheet.conf").write_text(site)
    (directory / "nginx.conf").write_text(main)
    return values


@dataclass
class Nginx:
    url: str
    ca_cert: str
    directory: Path


@contextmanager
def running(directory: Path, upstream: str, **overrides: str) -> Iterator[Nginx]:
    """nginx with the production site in front of `upstream` (host:port), stopped after."""
    values = render(directory, upstream, **overrides)
    conf, error_log = str(directory / "nginx.conf"), str(directory / "error.log")
    command = ["nginx", "-p", str(directory), "-c", conf, "-e", error_log]
    subprocess.run(command, check=True, capture_output=True)
    https = int(values["NGINX_HTTPS_LISTEN"].rsplit(":", 1)[1])
    try:
        wait_for_port(https)
        yield Nginx(f"https://localhost:{https}", values["NGINX_SSL_CERT"], directory)
    finally:
        subprocess.run([*command, "-s", "quit"], capture_output=True)
