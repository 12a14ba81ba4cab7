"""`make run` as a newcomer runs it: local settings, a SQLite file, the demo content.

Every page a reader, writer or API client reaches from the demo answers without a server
error (issue 25: every post page with a tag or a category was a 500 here, and the
warm-up said "warmed up"). Runs in a subprocess, as `make run` does, so the settings,
migrations and warm-up are exactly the embedded default's.
"""

import http.cookiejar
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

# Every test here runs `make run`'s own processes on a SQLite file of its own, whichever
# database the suite runs on: `make test` runs them once, in its embedded pass.
pytestmark = pytest.mark.own_sqlite

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, logging
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from blog.models import Category, Post, Tag
from core.warmup import warm

records = []
handler = logging.Handler()
handler.emit = records.append
logging.getLogger("core.warmup").addHandler(handler)
warm(WSGIHandler())

anonymous, admin = Client(), Client()
admin.force_login(get_user_model().objects.get(username="admin"))
posts = list(Post.objects.all())
public = [p.get_absolute_url() for p in posts if p.is_public]
reader = ["/", "/posts/", "/archive/", "/search/?q=query", "/search/?q=cache -index",
          "/feed/", "/feed/atom/", "/sitemap.xml", "/robots.txt", *public]
reader += [f"/category/{c.slug}/" for c in Category.objects.all()]
reader += [f"/tag/{t.slug}/" for t in Tag.objects.all()]
reader += [f"/author/{p.author.username}/" for p in posts if p.is_public]
staff = ["/admin/", "/admin/blog/post/", "/admin/blog/post/add/"]
staff += [f"/admin/blog/post/{p.pk}/change/" for p in posts]
staff += [p.get_absolute_url() for p in posts]  # drafts too: writers preview them
api = ["/api/posts/", "/api/categories/", "/api/tags/", "/api/authors/", "/api/schema/"]
api += [f"/api/posts/{p.pk}/" for p in posts if p.is_public]
statuses = {}
for who, client, urls in (("reader", anonymous, reader), ("admin", admin, staff),
                          ("api", anonymous, api)):
    for url in dict.fromkeys(urls):
        statuses[f"{who} {url}"] = client.get(url, HTTP_HOST="localhost").status_code
print(json.dumps({
    "public_posts": len(public),
    "with_terms": sum(1 for p in posts if p.is_public and (p.category_id or p.tags.exists())),
    "statuses": statuses,
    "warmup": [(r.levelname, r.getMessage()) for r in records],
}))
"""


def test_every_demo_page_answers_on_the_embedded_default(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_SUPERUSER_PASSWORD": "a-long-demo-password",
        "REDIS_URL": "",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"], ["ensure_admin"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, timeout=300)
    run = subprocess.run(
        [*manage, "shell", "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert result["public_posts"] >= 20 and result["with_terms"] >= 20
    errors = {url: status for url, status in result["statuses"].items() if status >= 400}
    assert errors == {}
    ((level, message),) = result["warmup"]
    assert level == "INFO" and message.startswith("warmed up"), message


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_until(proc: subprocess.Popen, marker: str, seconds: float) -> list[str]:
    """Lines of `proc`'s output up to the one containing `marker` (a thread reads them,
    so a silent process cannot hang the test)."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line.rstrip("\n")) for line in proc.stdout], daemon=True
    ).start()
    seen, deadline = [], time.monotonic() + seconds
    while not seen or marker not in seen[-1]:
        seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
    proc.more_lines = lines
    return seen


def test_make_run_prints_how_to_log_in_last_and_links_to_its_own_port(tmp_path):
    """Issue 29.9 and 29.10: on a port of its own, `make run`'s absolute links (canonical,
    feed, the password mail) use that host and port, and its output is short and ends
    with the address, the admin, the username and the password."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"BROADSHEET_SITE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings.local",
        REDIS_URL="",
    )
    env.pop("DJANGO_SUPERUSER_PASSWORD", None)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = read_until(proc, "Quit the server", seconds=400)
        site = f"http://127.0.0.1:{port}"
        assert len(output) <= 16, "\n".join(output)
        # The block, then runserver's own four lines: nothing after them.
        rule = max(i for i, line in enumerate(output) if line.startswith("-" * 20))
        block = "\n".join(output[: rule + 1])
        assert output[rule + 1 :][2:] == [
            f"Starting development server at {site}/",
            "Quit the server with CONTROL-C.",
        ]
        assert f"Admin:     {site}/admin/" in block and "Username:  admin" in block
        password = block.split("Password:  ")[1].split()[0]

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        home = opener.open(f"{site}/", timeout=30).read().decode()
        assert f'rel="canonical" href="{site}/"' in home
        assert f"<link>{site}/" in opener.open(f"{site}/feed/", timeout=30).read().decode()

        # The admin password works, and the session follows the site's own links.
        login = opener.open(f"{site}/admin/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
        form = {"csrfmiddlewaretoken": token, "username": "admin", "password": password}
        admin = opener.open(
            urllib.request.Request(
                f"{site}/admin/login/?next=/admin/",
                data=urllib.parse.urlencode(form).encode(),
                headers={"Referer": f"{site}/admin/login/"},
            ),
            timeout=30,
        )
        assert admin.url == f"{site}/admin/"

        # A mailed link (the console backend prints it) points at this server too.
        reset = opener.open(f"{site}/admin/password_reset/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', reset).group(1)
        opener.open(
            urllib.request.Request(
                f"{site}/admin/password_reset/",
                data=urllib.parse.urlencode(
                    {"csrfmiddlewaretoken": token, "email": "admin@example.com"}
                ).encode(),
                headers={"Referer": f"{site}/admin/password_reset/"},
            ),
            timeout=30,
        )
        mail = []
        while not any("/accounts/reset/" in line for line in mail):
            mail.append(proc.more_lines.get(timeout=30))
        link = next(line for line in mail if "/accounts/reset/" in line)
        assert link.startswith(f"{site}/accounts/reset/")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
