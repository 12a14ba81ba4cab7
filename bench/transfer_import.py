"""Import benchmark (not a test): time and peak memory of WordPress imports on PostgreSQL.

    uv run --frozen python bench/transfer_import.py [--posts 10000] [--body-kb 2.5]
        [--big-mb 100] [--big-import] [--workers N] [--keep DIR]

1. generates a WXR of `--posts` posts (`--body-kb` of HTML each) and a `--big-mb` one;
2. starts a throwaway PostgreSQL (devservers/) unless DATABASE_URL is set, migrates;
3. imports the posts file (`manage.py import_wordpress --json`), then again (idempotent:
   nothing created), reporting wall time and the peak RSS of the import process and its
   workers;
4. streams the big file through the reader alone (bounded memory whatever the size), and
   with `--big-import` imports it too.

Figures are printed as a table and saved to bench-results/transfer-import.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devservers import start_postgres  # noqa: E402
from tests.transfer.generate import write_wxr  # noqa: E402

READER_ONLY = """
import sys, django
django.setup()
from transfer.sources.wordpress import WordPressReader
from transfer.records import PostRecord
with open(sys.argv[1], "rb") as fh:
    print(sum(isinstance(r, PostRecord) for r in WordPressReader(fh)))
"""


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB of the process and its children, stdout, CPU seconds
    of the process and its workers) of one command.

    Runs through a fresh `python -c` wrapper so RUSAGE_CHILDREN covers this command only.
    CPU seconds matter on a shared machine, where wall time mostly measures the others.
    PostgreSQL's own CPU time is not included.
    """
    wrapper = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter();"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "d = time.perf_counter() - t;"
        "sys.stderr.write(p.stderr);"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps({'seconds': d, 'rc': p.returncode, 'out': p.stdout,"
        " 'maxrss_kb': u.ru_maxrss, 'cpu': u.ru_utime + u.ru_stime}))"
    )
    done = subprocess.run(  # noqa: S603 (our own commands)
        [sys.executable, "-c", wrapper, *cmd],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    if result["rc"] != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return result["seconds"], result["maxrss_kb"] / 1024, result["out"], result["cpu"]


def report(rows: dict[str, dict], name: str, row: dict) -> None:
    rows[name] = row
    print(f"{name}: " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--body-kb", type=float, default=2.5)
    parser.add_argument("--big-mb", type=float, default=100)
    parser.add_argument("--big-import", action="store_true")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", type=Path, help="keep generated files in this directory")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="transfer-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    posts_file, big_file = work / "posts.xml", work / "big.xml"
    if not posts_file.exists():
        write_wxr(posts_file, posts=args.posts, body_bytes=int(args.body_kb * 1024))
    big_posts = int(args.big_mb * 1e6 / 10_500)  # ~10 KB of HTML per post
    if not big_file.exists():
        write_wxr(big_file, posts=big_posts, body_bytes=10_000, site="big.example")

    server = None
    # Local settings with DEBUG off, as in production (no secrets needed).
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "0"}
    env.pop("REDIS_URL", None)  # tasks in-process; the import itself never enqueues
    if not env.get("DATABASE_URL"):
        server = start_postgres()
        env["DATABASE_URL"] = server.url
    manage = [sys.executable, "manage.py"]
    rows: dict[str, dict] = {}
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
        workers = ["--workers", str(args.workers)]
        mb = posts_file.stat().st_size / 1e6
        for label in ("first import", "re-import (idempotent)"):
            seconds, rss, out, cpu = measured(
                [*manage, "import_wordpress", str(posts_file), "--json", *workers], env
            )
            summary = json.loads(out)
            report(
                rows,
                f"{args.posts} posts, {mb:.0f} MB: {label}",
                {
                    "seconds": round(seconds, 1),
                    "cpu_seconds": round(cpu, 1),
                    "peak_rss_mb": round(rss),
                    "created": summary["created"].get("posts", 0),
                    "unchanged": summary["unchanged"].get("posts", 0),
                },
            )
        big_mb = big_file.stat().st_size / 1e6
        seconds, rss, out, cpu = measured([sys.executable, "-c", READER_ONLY, str(big_file)], env)
        report(
            rows,
            f"{big_posts} posts, {big_mb:.0f} MB: streaming parse only",
            {
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "peak_rss_mb": round(rss),
                "posts_read": int(out.strip()),
            },
        )
        if args.big_import:
            seconds, rss, out, cpu = measured(
                [*manage, "import_wordpress", str(big_file), "--json", *workers], env
            )
            report(
                rows,
                f"{big_posts} posts, {big_mb:.0f} MB: import",
                {
                    "seconds": round(seconds, 1),
                    "cpu_seconds": round(cpu, 1),
                    "peak_rss_mb": round(rss),
                    "created": json.loads(out)["created"].get("posts", 0),
                },
            )
    finally:
        if server:
            server.stop()

    load = os.getloadavg()[0]
    print(f"\nworkers={args.workers}, CPUs={os.cpu_count()}, load average at end={load:.1f}")
    width = max(map(len, rows))
    for name, row in rows.items():
        print(f"{name:<{width}}  " + "  ".join(f"{k}={v}" for k, v in row.items()))
    out_dir = ROOT / "bench-results"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "transfer-import.json").write_text(json.dumps(rows, indent=1) + "\n")
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(bench driver itself: {self_rss:.0f} MB; files in {work})")


if __name__ == "__main__":
    main()
