"""Faults injected into the running stack under a bounded load (issue 13).

Each test starts a few loopback clients (tests/e2e/load.py), breaks one piece (Redis
stopped or frozen, PostgreSQL restarted, the worker killed mid-task, gunicorn reloaded),
mends it, and checks what users saw: failed requests, how long the stack took to
recover, and that background work happened exactly once. Every test leaves the stack
healthy for the next. The figures are printed (`pytest -s`) for the record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import psycopg
import pytest
import requests

from tests.e2e.conftest import ROOT, Stack, wait_for
from tests.e2e.load import Load, cached_page, fresh_page

pytestmark = pytest.mark.stack

SWEEP_SECONDS = 2


@pytest.fixture(scope="module", autouse=True)
def fast_sweep(stack: Stack) -> Iterator[None]:
    """The publish sweep every 2 s instead of every minute, so the tests wait less."""
    stack.manage("shell", "-c", _sweep_every(SWEEP_SECONDS))
    yield
    stack.manage("shell", "-c", _sweep_every(60))


def _sweep_every(seconds: int) -> str:
    return (
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask\n"
        f"every, _ = IntervalSchedule.objects.get_or_create(every={seconds}, period='seconds')\n"
        "task = PeriodicTask.objects.get(name='publish-sweep')\n"
        "task.interval = every\n"
        "task.save()\n"
    )


def _public_post(stack: Stack) -> str:
    (slug,) = stack.sql(
        "SELECT slug FROM blog_post WHERE status = 'published' AND published_at <= now() "
        "ORDER BY published_at DESC LIMIT 1"
    )[0]
    return f"/posts/{slug}/"


def _readers(stack: Stack) -> list:
    post = _public_post(stack)
    return [fresh_page("/"), fresh_page(post), cached_page("/"), cached_page(post)]


def _ready(stack: Stack) -> bool:
    try:
        return stack.get("/readyz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _report(what: str, **figures) -> None:
    print(f"\n[fault] {what}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


# --- Redis stopped or frozen during saves ----------------------------------------------


def _redis_pid(stack: Stack) -> int:
    return json.loads((stack.directory / "redis" / "server.json").read_text())["pid"]


def _save_post(stack: Stack, session: requests.Session, token: str, title: str):
    started = time.monotonic()
    response = session.post(
        stack.url + "/api/posts/",
        json={"title": title, "body": "Saved during a Redis outage.", "status": "published"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return response, time.monotonic() - started


def _announcements(stack: Stack, post_id: int) -> int:
    """How many times the worker ran the go-live side effects of `post_id`."""
    found = re.findall(
        r"announced \d+ post\(s\) that went public: \[([\d, ]*)\]", stack.log("worker")
    )
    return sum(str(post_id) in ids.replace(" ", "").split(",") for ids in found)


@contextmanager
def _redis_stopped(stack: Stack) -> Iterator[None]:
    port = stack.env["REDIS_URL"].rsplit(":", 1)[1].split("/")[0]
    os.kill(_redis_pid(stack), signal.SIGTERM)
    try:
        yield
    finally:
        subprocess.run(
            [sys.executable, "-m", "devservers", "redis", str(stack.directory / "redis"), port],
            cwd=ROOT, check=True, capture_output=True, timeout=30,
        )  # fmt: skip


@contextmanager
def _redis_frozen(stack: Stack) -> Iterator[None]:
    pid = _redis_pid(stack)
    os.kill(pid, signal.SIGSTOP)  # accepts connections (the kernel does), answers nothing
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@pytest.mark.parametrize("outage", [_redis_stopped, _redis_frozen], ids=["stopped", "frozen"])
def test_a_save_with_redis_down_returns_in_under_a_second_and_is_announced_once(stack, outage):
    token, session = stack.token(), stack.session()
    titles = [f"Saved while Redis is away {uuid.uuid4().hex[:8]}" for _ in range(3)]
    with Load(stack, _readers(stack), threads=3, seconds=60) as load:
        load.wait(1)
        # The same saves with Redis up, under the same load: what a save costs here anyway.
        healthy = [
            _save_post(stack, session, token, f"Healthy {uuid.uuid4().hex[:8]}")[1]
            for _ in range(3)
        ]
        with outage(stack):
            outage_started = time.monotonic()
            saves = [_save_post(stack, session, token, title) for title in titles]
            load.wait(2)
        outage_ended = time.monotonic()
        wait_for(lambda: _ready(stack), 30, what="/readyz 200 again")
    recovered = time.monotonic() - outage_ended
    seconds = [round(elapsed, 2) for _, elapsed in saves]
    _report(
        f"Redis {outage.__name__.strip('_')}",
        save_seconds=seconds,
        healthy_save_seconds=[round(elapsed, 2) for elapsed in healthy],
        failed_reads=len(load.failures()),
        reads=len(load.outcomes),
        ready_again_after=round(recovered, 1),
        outage=round(outage_ended - outage_started, 1),
    )
    assert all(response.status_code == 201 for response, _ in saves), [r.text for r, _ in saves]
    # Under a second on a quiet machine (0.1-0.4 s measured). On a loaded one, every save
    # is slower: Redis being away must add less than a second to a typical healthy one.
    assert max(seconds) < 1.0 + sorted(healthy)[1], (seconds, healthy)
    assert not load.failures(), load.summary()  # pages render from the database meanwhile
    assert load.overlapping(outage_started, outage_ended), load.summary()  # readers asked meanwhile

    # The sweep (beat, every 2 s here) announces each post once, Redis back.
    ids = [response.json()["id"] for response, _ in saves]
    wait_for(
        lambda: all(_announcements(stack, pk) for pk in ids),
        60,
        interval=1,
        what="the sweep to announce the posts saved during the outage",
    )
    time.sleep(3 * SWEEP_SECONDS)  # a few more sweeps: none announces them again
    assert [_announcements(stack, pk) for pk in ids] == [1, 1, 1]
    rows = stack.sql(
        "SELECT count(*) FROM blog_post WHERE id = ANY(%s) AND announced_at IS NOT NULL", ids
    )
    assert rows == [(3,)]


# --- PostgreSQL restarted under load -----------------------------------------------------


def _api_write(stack: Stack, session: requests.Session) -> requests.Response:
    return session.post(
        stack.url + "/api/posts/",
        json={"title": f"Under load {uuid.uuid4().hex[:8]}", "body": "Draft.", "status": "draft"},
        headers={"Authorization": f"Bearer {_api_write.token}"},
        timeout=40,
    )


def test_postgres_restart_under_load_answers_no_500(stack):
    _api_write.token = stack.token()
    requests_ = [*_readers(stack), fresh_page("/api/posts/"), _api_write]
    with Load(stack, requests_, threads=6, seconds=40) as load:
        load.wait(3)
        restart_started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "devservers", "restart", str(stack.directory / "postgres")],
            cwd=ROOT, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        restart_ended = time.monotonic()
        load.wait(5)
    unavailable = load.with_status(503)
    _report(
        "PostgreSQL restart",
        restart_seconds=round(restart_ended - restart_started, 2),
        requests=len(load.outcomes),
        answered_500=load.count(500),
        answered_503=len(unavailable),
        no_answer=load.count(None),
        recovered_after=round(load.recovered_after(restart_started), 2),
        summary=load.summary(),
    )
    assert load.overlapping(restart_started, restart_ended), (
        "no request was under way while PostgreSQL restarted: " + load.summary()
    )
    assert load.count(500) == 0, load.summary()
    assert load.count(None) == 0 and load.count(502) == 0 and load.count(504) == 0, load.summary()
    for outcome in unavailable:  # only while the database was away, and saying when to retry
        assert restart_started - 1 <= outcome.started <= restart_ended + 2, outcome
        assert outcome.retry_after == "5", outcome
        if "/api/" in outcome.what or outcome.what == "_api_write":
            assert outcome.content_type == "application/problem+json", outcome
    # Afterwards everything works again, on the same gunicorn.
    assert stack.get(f"{_public_post(stack)}?after={uuid.uuid4().hex}").status_code == 200
    assert _api_write(stack, stack.session()).status_code == 201


# --- The whole worker killed in the middle of a report ------------------------------------


def _mails_for(stack: Stack, day: str) -> int:
    return stack.log("worker").count(f"Subject: Broadsheet daily report, {day}")


def test_worker_killed_mid_report_task_comes_back_one_report_one_mail(stack):
    day = (dt.date.today() - dt.timedelta(days=30 + uuid.uuid4().int % 300)).isoformat()
    with psycopg.connect(stack.env["DATABASE_URL"]) as lock:
        # The task parks at the report table: killed "in the middle", never committed.
        lock.execute("LOCK TABLE blog_report IN ACCESS EXCLUSIVE MODE")
        subprocess.run(
            [sys.executable, "-m", "celery", "--app", "config", "call", "blog.tasks.build_report",
             "--args", f'["{day}"]'],
            cwd=ROOT, env=stack.env, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        wait_for(
            lambda: stack.sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            )[0][0],
            30,
            what="the report task at the lock",
        )
        os.killpg(stack.pid("worker"), signal.SIGKILL)  # no warm shutdown, no ack
        killed = time.monotonic()
        lock.rollback()
    stack.stack_sh("respawn", "worker")
    wait_for(
        lambda: stack.sql("SELECT mailed_at FROM blog_report WHERE day = %s", day),
        60,
        interval=0.5,
        what="the redelivered report task and its mail",
    )
    recovered = time.monotonic() - killed
    wait_for(lambda: _mails_for(stack, day), 20, what="the mail in the worker log")
    time.sleep(3)  # a late duplicate would show up now
    _report("worker SIGKILLed mid-report", redelivered_and_mailed_after=round(recovered, 1))
    # Bound: visibility timeout (10 s here) + restore scan (2 s) + a worker start.
    assert recovered < 45
    assert stack.sql("SELECT count(*) FROM blog_report WHERE day = %s", day) == [(1,)]
    assert _mails_for(stack, day) == 1


# --- gunicorn reloaded under load -----------------------------------------------------------


def _gunicorn_workers(stack: Stack) -> set[int]:
    master = stack.pid("web")
    return {int(pid) for pid in open(f"/proc/{master}/task/{master}/children").read().split()}


def test_gunicorn_reload_under_load_fails_no_request(stack):
    _api_write.token = stack.token()
    before = _gunicorn_workers(stack)
    requests_ = [*_readers(stack), fresh_page("/api/posts/"), _api_write]
    with Load(stack, requests_, threads=6, seconds=40) as load:
        load.wait(2)
        reload_started = time.monotonic()
        stack.stack_sh("reload")
        wait_for(
            lambda: (
                not (_gunicorn_workers(stack) & before)
                and len(_gunicorn_workers(stack)) == len(before)
            ),
            30,
            interval=0.2,
            what="every old worker replaced by a new one",
        )
        replaced_after = time.monotonic() - reload_started
        load.wait(3)
    _report(
        "gunicorn reload (HUP)",
        requests=len(load.outcomes),
        failed=len(load.failures()),
        workers_replaced_after=round(replaced_after, 1),
        summary=load.summary(),
    )
    assert not load.failures(), load.summary()
    assert load.count(201) > 0 and load.count(200) > 0
    reload_ended = reload_started + replaced_after
    assert load.overlapping(reload_started, reload_ended), load.summary()  # under way meanwhile


# --- Tags named in different letter cases at the same time ------------------------------------


def test_concurrent_case_variant_tag_creates_make_one_tag_each(stack):
    token = stack.token()
    run = uuid.uuid4().hex[:6]
    names = [f"Race-{run}-{n}" for n in range(8)]
    variants = [str.upper, str.lower, str.title, lambda name: name]

    def create(variant) -> list[int]:
        session = stack.session()
        statuses = []
        for name in names:
            response = session.post(
                stack.url + "/api/posts/",
                json={"title": f"Tagged {name}", "body": "x", "tags": [variant(name)]},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=len(variants)) as pool:
        statuses = [s for batch in pool.map(create, variants) for s in batch]
    tags = stack.sql(
        "SELECT lower(name), count(*) FROM blog_tag WHERE lower(name) LIKE %s GROUP BY 1",
        f"race-{run}-%",
    )
    _report("case-variant tag creates", posts=len(statuses), statuses=sorted(set(statuses)))
    assert statuses == [201] * len(names) * len(variants)
    assert sorted(tags) == sorted((name.lower(), 1) for name in names)
    tagged = stack.sql(
        "SELECT count(DISTINCT pt.tag_id), count(*) FROM blog_post_tags pt "
        "JOIN blog_tag t ON t.id = pt.tag_id WHERE lower(t.name) LIKE %s",
        f"race-{run}-%",
    )
    assert tagged == [(len(names), len(names) * len(variants))]
