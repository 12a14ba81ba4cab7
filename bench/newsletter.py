"""Newsletter benchmark (not a test): one post e-mailed to 10,000 members through a real
Celery worker and a real SMTP server, then the same with the worker SIGKILLed twice.

    uv run --frozen python bench/newsletter.py [--members 10000] [--small 2500]
        [--rate 0] [--batch 100] [--kill-at 0.3 0.65]

1. starts a throwaway PostgreSQL and Redis (devservers/) and an SMTP server (aiosmtpd,
   devservers.smtp) in this process, migrates, creates `--members` confirmed members on
   one newsletter and `--small` of them on a second;
2. for each run, starts `celery -A config worker` (prefork, 2 processes, as `make worker`),
   saves a public post with the newsletter chosen (through `blog.services`, as an editor's
   click) and times from the save until the issue is `sent`, sampling the RSS of the
   worker's processes (main and pool) every 50 ms: the peak is the largest sum seen;
3. runs: the small list, the full list, and the full list with the worker SIGKILLed (the
   whole process group) when `--kill-at` fractions of it have reached the server, each
   time the reconciler run (its lease over: nothing else runs) and the worker restarted.

`--rate 0` sends as fast as the worker can (NEWSLETTER_SEND_RATE unlimited), to measure
capacity; a provider's limit is a setting (docs/members.md). Figures are printed as a
table and saved to bench-results/newsletter.json. PostgreSQL runs with fsync off
(devservers): on real disks each commit costs more.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devservers import start_postgres, start_redis, wait_for  # noqa: E402
from devservers.smtp import SmtpServer  # noqa: E402


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Worker:
    """A Celery worker in its own process group, its memory sampled while it runs."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env, self.log = env, log
        self.peak_kb = 0
        self.peak_pool_kb = 0  # the largest single pool process: where a task runs
        self._stop = threading.Event()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=WARNING",
                    "--pool=prefork",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--queues=celery",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(lambda: len(children(self.process.pid)) >= 2, 60, "the worker's pool")
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            pool = [rss_kb(pid) for pid in children(self.process.pid)]
            self.peak_kb = max(self.peak_kb, rss_kb(self.process.pid) + sum(pool))
            self.peak_pool_kb = max([self.peak_pool_kb, *pool])
            time.sleep(0.05)

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def seed(members: int, small: int):
    from members.models import Member
    from newsletters.models import Newsletter, Subscription

    full = Newsletter.objects.create(name="Everyone", slug="everyone")
    part = Newsletter.objects.create(name="Some", slug="some")
    chunk = 2000
    for start in range(0, members, chunk):
        rows = Member.objects.bulk_create(
            Member(email=f"member{i}@example.org", status=Member.Status.ACTIVE)
            for i in range(start, min(start + chunk, members))
        )
        Subscription.objects.bulk_create(
            [Subscription(member=m, newsletter=full) for m in rows]
            + [
                Subscription(member=m, newsletter=part)
                for i, m in enumerate(rows, start=start)
                if i < small
            ]
        )
    return full, part


def publish(newsletter, title: str):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from blog.services import post_create

    author, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"email": "bench@example.org"}
    )
    return post_create(
        data={
            "title": title,
            "body": "A paragraph of the post. " * 40,
            "author": author,
            "status": "published",
            "published_at": timezone.now(),
            "newsletter": newsletter,
        },
        user=None,
    )


def issue_done(post) -> bool:
    from newsletters.models import Issue

    return Issue.objects.filter(post=post, status=Issue.Status.SENT).exists()


def outcome(post, smtp: SmtpServer) -> dict:
    from django.db.models import Count

    from newsletters.models import Delivery, Issue

    issue = Issue.objects.get(post=post)
    statuses = dict.fromkeys(Delivery.Status.values, 0)
    counted = Delivery.objects.filter(issue=issue).values("status").annotate(n=Count("pk"))
    statuses.update({row["status"]: row["n"] for row in counted.order_by()})
    received = smtp.rcpt_counts()
    return {
        "recipients": sum(statuses.values()),
        "sent": statuses["sent"],
        "uncertain": statuses["uncertain"],
        "failed": statuses["failed"],
        "received": len(received),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
    }


def run(name, newsletter, env, smtp, logdir, kill_at=()) -> dict:
    from django.test import override_settings

    from newsletters.tasks import reconcile_issues

    smtp.clear()
    workers = [Worker(env, logdir / f"{name}.log")]
    started = time.monotonic()
    post = publish(newsletter, f"The {name} post")
    total = newsletter.subscription_set.count()
    kills = []
    for fraction in kill_at:
        target = int(total * fraction)
        wait_for(lambda target=target: len(smtp.messages) >= target, 600, f"{target} messages")
        workers[-1].kill()
        kills.append(len(smtp.messages))
        with override_settings(
            NEWSLETTER_CLAIM_LEASE_SECONDS=0, BROADSHEET_RECONCILE_AFTER_SECONDS=0
        ):
            reconcile_issues()  # its sends go to the broker, for the next worker
        workers.append(Worker(env, logdir / f"{name}.log"))
    wait_for(lambda: issue_done(post), 1200, "the issue to be sent")
    seconds = time.monotonic() - started
    for worker in workers:
        worker.stop()
    row = outcome(post, smtp)
    row.update(
        seconds=round(seconds, 1),
        per_second=round(row["received"] / seconds, 1),
        peak_worker_mb=round(max(w.peak_kb for w in workers) / 1024, 1),
        peak_pool_process_mb=round(max(w.peak_pool_kb for w in workers) / 1024, 1),
        killed_at=kills,
    )
    print(f"{name}: " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_500)
    parser.add_argument("--rate", type=float, default=0, help="NEWSLETTER_SEND_RATE (0: none)")
    parser.add_argument("--batch", type=int, default=100, help="NEWSLETTER_BATCH_SIZE")
    parser.add_argument("--kill-at", type=float, nargs="*", default=[0.3, 0.65])
    args = parser.parse_args()

    postgres, redis = start_postgres(), start_redis()
    smtp = SmtpServer().start()
    logdir = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_DEBUG": "0",  # no query log growing in the worker
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": smtp.host,
        "DJANGO_EMAIL_PORT": str(smtp.port),
        "NEWSLETTER_SEND_RATE": str(args.rate),
        "NEWSLETTER_BATCH_SIZE": str(args.batch),
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        setup_django(env)
        full, part = seed(args.members, args.small)
        rows = {
            f"{args.small:,} members": run("small", part, env, smtp, logdir),
            f"{args.members:,} members": run("full", full, env, smtp, logdir),
            f"{args.members:,} members, worker killed twice": run(
                "killed", full, env, smtp, logdir, kill_at=args.kill_at
            ),
        }
    finally:
        smtp.stop()
        redis.stop()
        postgres.stop()
    print()
    print("| run | recipients | received | duplicates | uncertain | time | msg/s "
          "| peak worker RSS (main + 2 pool) | peak pool process |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['recipients']:,} | {r['received']:,} | {r['duplicates']} "
            f"| {r['uncertain']} | {r['seconds']} s | {r['per_second']} "
            f"| {r['peak_worker_mb']} MB | {r['peak_pool_process_mb']} MB |"
        )
    out = ROOT / "bench-results" / "newsletter.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2))
    print(f"\nlogs: {logdir}\nsaved: {out}")


if __name__ == "__main__":
    main()
