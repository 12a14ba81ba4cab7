"""Where a request's time goes: cProfile over the real WSGI handler, middleware included.

    uv run --frozen python bench/profile_requests.py [--requests 300] [--top 25] [NAME ...]

Uses the servers `bench/large.py` keeps in bench-results/large/ (run it first) with the
production settings, and calls `config.wsgi.application` in this process with a WSGI
environ like the one gunicorn builds (plain HTTP from nginx, X-Forwarded-Proto: https),
so nothing but Django and our code is measured. Each case runs untimed a few times, then
`--requests` times under cProfile; the top functions by own time and by cumulative time
are printed and saved in bench-results/profile-<stamp>.txt.

Cases: hit (home from the page cache), healthz, home, post, api, sitemap (a posts
section), last (home's last page); all but the first two with the page cache turned off,
so that pages are built from the pieces kept for them (blog/fragments.py). home-cold and
post-cold retire everything kept before each request, as a publish does: the page as the
first reader after a change gets it.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def environ(path: str) -> dict:
    accept = "application/json" if path.startswith("/api/") else "text/html"
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_FOR": "127.0.0.1",
        "HTTP_ACCEPT": accept,  # JSON for the API, not the browsable HTML
        "HTTP_ACCEPT_ENCODING": "gzip",
        "HTTP_USER_AGENT": "bench/profile",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(application, path: str) -> int:
    status = []
    body = application(environ(path), lambda s, h, exc_info=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "cases",
        nargs="*",
        default=["hit", "healthz", "home", "post", "home-cold", "post-cold", "api"],
    )
    args = parser.parse_args()

    from large import STATE, server

    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost",
        BROADSHEET_SITE_URL="https://localhost",
        DATABASE_URL=server("postgres"),
        REDIS_URL=server("redis"),
        DJANGO_LOG_LEVEL="WARNING",
        API_THROTTLE_ANON="100000000/min",
    )
    print(f"servers in {STATE}")
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()  # what config.wsgi serves
    from blog.models import Post

    post = Post.objects.public().order_by("-published_at").first().get_absolute_url()
    cases = {
        "home-cold": ("/", 0),
        "post-cold": (post, 0),
        "hit": ("/", 60),
        "healthz": ("/healthz", 60),
        "home": ("/", 0),
        "post": (post, 0),
        "api": ("/api/posts/", 0),
        "sitemap": ("/sitemap-posts.xml?p=2", 0),
        "last": ("/?page=last", 0),
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = io.StringIO()
    from pagecache.cache import invalidate_pages

    for name in args.cases:
        path, cache_seconds = cases[name]
        before = invalidate_pages if name.endswith("-cold") else lambda: None
        settings.PAGE_CACHE_SECONDS = cache_seconds
        for _ in range(10):
            before()
            status = call(application, path)
        # CPU time without the profiler first: what the request itself costs.
        cpu = time.process_time()
        for _ in range(args.requests):
            before()
            call(application, path)
        cpu_ms = (time.process_time() - cpu) / args.requests * 1000
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            before()
            call(application, path)
        profiler.disable()
        per_request = (time.perf_counter() - started) / args.requests * 1000
        title = (
            f"== {name}: GET {path} -> {status}, {cpu_ms:.2f} ms CPU/request, "
            f"{per_request:.2f} ms/request under cProfile"
        )
        print(title)
        report.write(title + "\n")
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats(order).print_stats(args.top)
            body = text.getvalue()
            body = body[body.find("   ncalls") :]
            report.write(f"-- by {order}\n{body}\n")
    out = ROOT / "bench-results" / f"profile-{stamp}.txt"
    out.write_text(report.getvalue())
    print(f"saved in {out}")


if __name__ == "__main__":
    main()
