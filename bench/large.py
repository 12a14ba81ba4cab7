"""Every reader page, feed, sitemap section and API list at 100,000 posts, timed uncached.

    uv run --frozen python bench/large.py [--posts 100000] [--repeat 5]
    uv run --frozen python bench/large.py --stop      # stop the kept servers (data too)
    uv run --frozen python bench/large.py --no-seed --only '^API'   # some rows only

Starts (or reuses) a throwaway PostgreSQL and Redis in bench-results/large/, migrates,
seeds `--posts` posts with `seed_bulk` (idempotent: a second run adds nothing), then
serves the site with gunicorn.conf.py (production settings, one worker, the page cache
off) and asks for each URL one at a time: one untimed request, then `--repeat` timed
ones; the table shows the median and the maximum (the goal) and the minimum (the least
disturbed by other processes on a shared machine). Also printed: how long a fresh worker
takes for its first page and first API list. The servers are kept for the next run
(after a migration, say); `--stop` stops them, and their data goes with them (the
next run seeds again, ~3 minutes). Tables are saved in bench-results/.

The goal (DESIGN.md budgets): every row under 100 ms at the median and 200 ms at the maximum.
Reader pages are built from pieces kept between requests (blog/fragments.py); `--cold`
retires them (and every kept count) before each timed request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / "bench-results" / "large"
SEARCH_WORD = "lantern"  # seed_bulk puts it in every post's body
GOAL_MEDIAN_MS, GOAL_MAX_MS = 100, 200

sys.path.insert(0, str(ROOT))


def server(kind: str) -> str:
    """The URL of the kept `kind` server, started by devservers when not running."""
    from devservers import listening, saved, stop_saved

    directory = STATE / kind
    if (directory / "server.json").exists():
        url = saved(directory)["url"]
        if listening(int(re.search(r":(\d+)/", url).group(1))):
            return url
        stop_saved(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "devservers", kind, str(directory)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def stop_servers() -> None:
    from devservers import stop_saved

    for kind in ("postgres", "redis"):
        stop_saved(STATE / kind)
    print("stopped the servers in", STATE)


def environment(database_url: str, redis_url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1",
        BROADSHEET_SITE_URL="https://localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_LOG_FORMAT="text",
        BROADSHEET_PAGE_CACHE_SECONDS="0",
        API_THROTTLE_ANON="100000000/min",
        API_THROTTLE_USER="100000000/min",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_PIDFILE="",
    )
    return env


def retire_everything(env: dict[str, str]):
    """`pagecache.cache.invalidate_pages`, from this process: with `--cold`, each timed
    request finds no kept count, page window or piece (blog/fragments.py), as the first
    reader after a category or tag changed would."""
    os.environ.update(env)
    import django

    django.setup()
    from pagecache.cache import invalidate_pages

    return invalidate_pages


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - fixed commands


def plan(env: dict[str, str]) -> tuple[list[tuple[str, str, bool]], str]:
    """(label, path, with the editor's token) for every row, and the editor's token."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from accounts.tokens import RefreshToken
    from blog.api.views import PostViewSet
    from blog.models import Category, Post, Tag
    from blog.selectors import search_posts
    from blog.views.pages import PAGE_SIZE

    editor, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_superuser": True, "is_staff": True}
    )
    token = str(RefreshToken.for_user(editor).access_token)  # stamped like a real sign-in
    public = Post.objects.public()
    newest = public.order_by("-published_at").first()
    oldest = public.order_by("published_at").first()
    category = Category.objects.filter(slug__startswith="bulk-").order_by("pk").first()
    tag = Tag.objects.filter(slug__startswith="bulk-").order_by("pk").first()
    author = newest.author.username
    matches = search_posts(public, SEARCH_WORD).count()
    search_last = max(1, math.ceil(matches / PAGE_SIZE))
    # Deep pages are read from the nearer end (pagecache/paginator.py): the middle is deepest.
    middle = max(1, math.ceil(public.count() / PAGE_SIZE) // 2)
    month = newest.published_at
    archive = f"/archive/{month.year}/{month.month}/"
    rows: list[tuple[str, str, bool]] = [
        ("home", "/", False),
        ("home, middle page", f"/?page={middle}", False),
        ("home, last page", "/?page=last", False),
        ("all posts (/posts/)", "/posts/", False),
        ("all posts, last page", "/posts/?page=last", False),
        ("post page (newest)", newest.get_absolute_url(), False),
        ("post page (oldest)", oldest.get_absolute_url(), False),
        ("category", f"/category/{category.slug}/", False),
        ("category, last page", f"/category/{category.slug}/?page=last", False),
        ("tag", f"/tag/{tag.slug}/", False),
        ("tag, last page", f"/tag/{tag.slug}/?page=last", False),
        ("author", f"/author/{author}/", False),
        ("author, middle page", f"/author/{author}/?page={middle}", False),
        ("author, last page", f"/author/{author}/?page=last", False),
        ("archive index (months)", "/archive/", False),
        ("month archive", archive, False),
        ("month archive, last page", f"{archive}?page=last", False),
        (f"search '{SEARCH_WORD}' ({matches} hits)", f"/search/?q={SEARCH_WORD}", False),
        ("search, page 500", f"/search/?q={SEARCH_WORD}&page=500", False),
        ("search, last page", f"/search/?q={SEARCH_WORD}&page={search_last}", False),
        ("feed (RSS)", "/feed/", False),
        ("feed (Atom)", "/feed/atom/", False),
        ("category feed", f"/category/{category.slug}/feed/", False),
        ("tag feed", f"/tag/{tag.slug}/feed/", False),
        ("robots.txt", "/robots.txt", False),
        ("sitemap.xml (index)", "/sitemap.xml", False),
    ]
    # Sections are read from the index below (whatever sections exist then).
    rows += [
        ("API posts", "/api/posts/", False),
        ("API posts, middle page", "/api/posts/?page=middle", False),
        ("API posts, last page", "/api/posts/?page=last", False),
        ("API posts, page_size=100", "/api/posts/?page_size=100", False),
        ("API posts, page_size=100, middle", "/api/posts/?page_size=100&page=middle", False),
        ("API posts, page_size=100, last", "/api/posts/?page_size=100&page=last", False),
    ]
    for field in PostViewSet.ordering_fields:
        for sign in ("", "-"):
            path = f"/api/posts/?ordering={sign}{field}"
            rows.append((f"API ordering={sign}{field}", path, False))
            rows.append((f"API ordering={sign}{field}, middle", f"{path}&page=middle", False))
            rows.append((f"API ordering={sign}{field}, last", f"{path}&page=last", False))
    rows += [
        (f"API search '{SEARCH_WORD}'", f"/api/posts/?search={SEARCH_WORD}", False),
        ("API search, last page", f"/api/posts/?search={SEARCH_WORD}&page=last", False),
        ("API category filter", f"/api/posts/?category={category.slug}", False),
        ("API category filter, middle", f"/api/posts/?category={category.slug}&page=middle", False),
        ("API category filter, last", f"/api/posts/?category={category.slug}&page=last", False),
        ("API tag filter", f"/api/posts/?tag={tag.slug}", False),
        ("API tag filter, last", f"/api/posts/?tag={tag.slug}&page=last", False),
        ("API author filter, last", f"/api/posts/?author={author}&page=last", False),
        ("API published", "/api/posts/published/", False),
        ("API published, last page", "/api/posts/published/?page=last", False),
        ("API sync cursor, first page", "/api/posts/?cursor=", False),
        ("API categories", "/api/categories/", False),
        ("API tags", "/api/tags/", False),
        ("API authors", "/api/authors/", False),
        ("API editor: all posts", "/api/posts/", True),
        ("API editor: middle page", "/api/posts/?page=middle", True),
        ("API editor: last page", "/api/posts/?page=last", True),
        ("API editor: status=draft", "/api/posts/?status=draft", True),
        ("API editor: status=draft, last", "/api/posts/?status=draft&page=last", True),
        (f"API editor: search '{SEARCH_WORD}'", f"/api/posts/?search={SEARCH_WORD}", True),
    ]
    for field in PostViewSet.ordering_fields:
        for sign in ("", "-"):
            path = f"/api/posts/?ordering={sign}{field}"
            rows.append((f"API editor: ordering={sign}{field}", path, True))
            rows.append(
                (f"API editor: ordering={sign}{field}, middle", f"{path}&page=middle", True)
            )
            rows.append((f"API editor: ordering={sign}{field}, last", f"{path}&page=last", True))
    return rows, token


def vacuum() -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum would do in time: until then the
    visibility map is unset, index-only scans (a deep page's keys) read the table too, and
    the first run timed the middle pages at 80-160 ms while autovacuum caught up."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    connection.close()


class Client:
    """One keep-alive connection straight to gunicorn, as nginx would talk to it."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str, editor: bool = False) -> tuple[int, float, bytes]:
        headers = {"Host": "localhost", "X-Forwarded-Proto": "https"}
        if editor:
            headers["Authorization"] = f"Bearer {self.token}"
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        return response.status, (time.perf_counter() - start) * 1000, body


def api_page(client: Client, path: str, editor: bool) -> str:
    """`path` with `page=last` or `page=middle` replaced by that page's number: the API's
    `page` is an integer (`?page=last` is a 400), so the first page's count says which.
    The middle page is the deepest (pagecache/paginator.py reads later ones from the end)."""
    which = re.search(r"[?&]page=(last|middle)", path)
    first = (path[: which.start()] + path[which.end() :]).replace("/?&", "/?").rstrip("?")
    status, _, body = client.get(first, editor)
    if status != 200:
        raise RuntimeError(f"{first}: {status}")
    size = re.search(r"[?&]page_size=(\d+)", path)
    pages = max(1, math.ceil(json.loads(body)["count"] / int(size.group(1) if size else 20)))
    number = pages if which.group(1) == "last" else max(1, pages // 2)
    return path.replace(f"page={which.group(1)}", f"page={number}")


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    from devservers import wait_for

    # The worker takes traffic once its request threads are connected (core/warmup.py);
    # a request sent before then waits in the listen queue for its boot.
    wait_for(
        lambda: (
            "request threads connected" in log.read_text(errors="replace")
            or process.poll() is not None
        ),
        60,
        what=f"gunicorn to start (see {log})",
    )
    if process.poll() is None:
        return process
    raise RuntimeError(f"gunicorn did not start; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--stop", action="store_true", help="stop the kept servers and exit")
    parser.add_argument("--no-seed", action="store_true", help="skip migrate and seed_bulk")
    parser.add_argument("--only", help="time only the rows whose label matches this regex")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="retire every kept count and piece of page before each timed request",
    )
    args = parser.parse_args()
    if args.stop:
        stop_servers()
        return

    from devservers import free_port

    port = free_port()
    env = environment(server("postgres"), server("redis"), port)
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():
        manage(env, "collectstatic", "--noinput", "-v", "0")  # the {% static %} manifest
    if not args.no_seed:
        manage(env, "migrate", "--noinput", "-v", "0")
        started = time.monotonic()
        manage(env, "seed_bulk", "--posts", str(args.posts))
        print(f"seed_bulk: {time.monotonic() - started:.0f} s")
    rows, token = plan(env)
    if not args.no_seed:
        vacuum()
    before = retire_everything(env) if args.cold else lambda: None
    only = re.compile(args.only) if args.only else None
    # `kill` stops gunicorn too (the `finally` below), not only this script.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench-results" / f"large-{stamp}.txt"
    process = start_gunicorn(env, ROOT / "bench-results" / f"large-{stamp}.gunicorn.log")
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    lines: list[str] = []
    try:
        client = Client(port, token)
        # A fresh worker: its first page and its first API list, before anything else.
        first_page = client.get("/")[1]
        first_api = client.get("/api/posts/")[1]
        second_page = client.get("/")[1]
        status, _, index = client.get("/sitemap.xml")
        sections = [
            path.decode().replace("&amp;", "&")
            for path in re.findall(rb"<loc>https?://[^/<]+(/[^<]*)</loc>", index)
        ]
        # Of a section's many pages, the first, the second, the middle one (the deepest:
        # later ones are read from the end) and the last tell the story.
        pages = [path for path in sections if "?p=" in path]
        middle_section = pages[len(pages) // 2] if pages else None
        sections = [
            path
            for i, path in enumerate(sections)
            if "?p=" not in path
            or path.endswith("?p=2")
            or path == middle_section
            or i + 1 == len(sections)
            or "?p=" not in sections[i + 1]
        ]
        at = next(i for i, row in enumerate(rows) if row[0].startswith("API posts"))
        rows[at:at] = [(f"sitemap {path}", path, False) for path in sections]
        header = f"{'row':40} {'path':58} {'status':>6} {'median':>8} {'max':>8} {'min':>8}"
        lines += [
            f"Broadsheet at {args.posts:,} posts, uncached, one request at a time, {stamp}",
            f"{os.cpu_count()} cores, load {load};"
            f" gunicorn 1 worker x {env.get('GUNICORN_THREADS', '4')} threads, page cache off"
            f"{', nothing kept (--cold)' if args.cold else ''};"
            f" ms over {args.repeat} requests after one untimed",
            f"fresh worker: first / {first_page:.0f} ms, first /api/posts/ {first_api:.0f} ms,"
            f" second / {second_page:.0f} ms",
            header,
        ]
        print("\n".join(lines), flush=True)
        slow = timed = 0
        for label, path, editor in rows:
            if only and not only.search(label):
                continue
            if path.startswith("/api/") and re.search(r"page=(last|middle)", path):
                path = api_page(client, path, editor)  # the API's page is a number
            timed += 1
            client.get(path, editor)
            times, statuses = [], set()
            for _ in range(args.repeat):
                before()
                status, ms, _body = client.get(path, editor)
                times.append(ms)
                statuses.add(status)
            median, worst, best = statistics.median(times), max(times), min(times)
            over = median > GOAL_MEDIAN_MS or worst > GOAL_MAX_MS
            slow += over
            line = (
                f"{label[:40]:40} {path[:58]:58} {'/'.join(map(str, sorted(statuses))):>6}"
                f" {median:8.1f} {worst:8.1f} {best:8.1f}{'  SLOW' if over else ''}"
            )
            lines.append(line)
            print(line, flush=True)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        summary = (
            f"{slow} of {timed} rows over {GOAL_MEDIAN_MS} ms median or {GOAL_MAX_MS} ms max"
            f" (load at the end {load})"
        )
        lines.append(summary)
        print(summary)
    finally:
        process.terminate()
        process.wait(timeout=40)
    out.write_text("\n".join(lines) + "\n")
    print(f"saved in {out}; servers kept in {STATE} (--stop stops them)")


if __name__ == "__main__":
    main()
