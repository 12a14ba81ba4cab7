"""Fixtures and rules shared by the whole suite: tiers, the browser, Hypothesis profiles,
users by role, a clean cache, logged-in clients.

Tiers (docs/testing.md). Every test gets exactly one tier marker, here, from what it uses:

- `stack`: the whole production stack of `make stack` (tests/e2e, the `stack` fixture);
- `system`: a live server driven from outside (Chromium, schemathesis, the generated
  client, concurrent HTTP clients): the `live_server` or `browser` fixture;
- `integration`: real processes besides the test's own (Celery workers, gunicorn, nginx,
  `manage.py` in a subprocess): a worker/broker fixture, or `INTEGRATION_TESTS` below
  when nothing it uses says so;
- `unit`: everything else, in-process against the run's PostgreSQL and Redis. `make
  check` runs this tier alone.

A tier written on a test wins over the one its fixtures imply.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import NoReturn

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import connections
from django.test.testcases import LiveServerThread
from hypothesis import HealthCheck, settings

import devservers
from core.devserver import ThreadedWSGIServer
from core.sitevalues import forget as forget_site_values
from tests.factories import (
    AuthorFactory,
    ContributorFactory,
    EditorFactory,
    UserFactory,
)

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# --- Hypothesis: a small budget for the inner loop, the full one in CI -----------------
settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("ci", settings.get_profile("dev"), max_examples=120)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if CI else "dev"))


def missing(what: str, install: str) -> NoReturn:
    """A tool a test needs is not installed: skip saying so, or fail under `CI=true`."""
    message = f"{what} is missing: {install}"
    if CI:
        pytest.fail(f"{message} (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(message)


# --- Tiers and xdist groups -------------------------------------------------------------
TIERS = ("unit", "integration", "system", "stack")
SYSTEM_FIXTURES = {"live_server", "browser"}
INTEGRATION_FIXTURES = {
    "worker",
    "start_worker",
    "webhook_worker",
    "broker",
    "broker_server",
    "fresh_broker",
    "nginx",
    "gunicorn",
}
# Tests that start processes of their own with nothing in their fixtures to say so: a
# module (path under tests/) or one test (its node id there), and the process.
INTEGRATION_TESTS = {
    "deploy/test_config_files.py": "hadolint, docker-compose, nginx -t",
    "deploy/test_gunicorn_access_log.py": "gunicorn",
    "deploy/test_gunicorn_exit.py": "gunicorn's arbiter in a child",
    "deploy/test_cache_breaker.py": "Redis servers it freezes and kills",
    "deploy/test_nginx_api.py": "nginx",
    "deploy/test_settings.py": "manage.py check under production settings",
    "security/test_hardening.py::test_images_only_from_our_host_and_the_configured_media_host": (
        "manage.py shell"
    ),
    "security/test_hardening.py::test_production_on_sqlite_is_refused_with_a_clear_message": (
        "manage.py check"
    ),
    "security/test_hardening.py::test_an_image_host_that_is_not_an_origin_stops_the_site_with_its_name": (  # noqa: E501
        "manage.py check"
    ),
    "security/test_host_header.py::test_production_refuses_a_site_url_that_is_not_an_origin": (
        "manage.py check"
    ),
    "images/test_storage.py": "settings read in a fresh interpreter",
    "readers/test_make_run.py": "manage.py, as `make run` runs it",
    "readers/test_html_valid.py": "the Nu HTML checker (Java)",
    "readers/test_search.py::test_sqlite_search_is_stemmed_ranked_and_kept_in_step": "manage.py",
    "transfer/test_progress.py": "the import command on a terminal",
    "transfer/test_real_exports.py::test_real_files_on_sqlite": "manage.py on SQLite",
    "transfer/test_import_edges.py::test_refusal_exits_non_zero_with_one_line": "manage.py",
    "blog/test_migrations.py": "manage.py migrate on databases of its own",
    "admin/test_post_admin_hooks.py::"
    "test_editorial_extends_the_post_admin_whatever_the_order_of_installed_apps": (
        "Django set up in a fresh interpreter"
    ),
}
# Module-scoped fixtures that start processes: their module's tests run on one xdist
# worker (`--dist loadgroup`), so each starts once per run, not once per worker.
# (`generated`: the API client that tests/api/test_generated_client.py generates.)
PER_MODULE_PROCESSES = {"worker", "webhook_worker", "broker_server", "nginx", "generated"}

# Reader, admin and API pages (and what serves them): run a second time by `make test` on
# `make run`'s embedded defaults (SQLite, local-memory cache, tasks in-process).
EMBEDDED_SUITES = {
    "readers", "admin", "api", "blog", "accounts", "images", "pages", "transfer", "previews",
    "embeds", "members", "newsletters", "comments",
}  # fmt: skip
# Tests that need more than the embedded default offers, whatever their folder.
NOT_EMBEDDED = {"postgresql", "redis", "browser", "stack", "celery_worker", "not_embedded"}
# `own_sqlite` tests run `manage.py` or `make run` on a SQLite file of their own, the same
# in either pass: `make test` runs them in the embedded pass only (its first pass
# deselects them with `-m "not own_sqlite"`).


def _tier(item: pytest.Item, markers: set[str], where: str) -> str:
    written = [tier for tier in TIERS if tier in markers]
    if len(written) > 1:
        raise pytest.UsageError(f"{item.nodeid}: more than one tier marker: {written}")
    if written:
        return written[0]
    fixtures = set(item.fixturenames)
    if "stack" in markers or "stack" in fixtures:
        return "stack"
    if "browser" in markers or fixtures & SYSTEM_FIXTURES:
        return "system"
    if "celery_worker" in markers or fixtures & INTEGRATION_FIXTURES:
        return "integration"
    module, _, name = where.partition("::")
    if module in INTEGRATION_TESTS or f"{module}::{name.split('[')[0]}" in INTEGRATION_TESTS:
        return "integration"
    return "unit"


def _xdist_group(item: pytest.Item, tier: str) -> str | None:
    if tier == "stack":
        return "stack"  # one stack for the run
    if "browser" in item.fixturenames:
        return "browser"  # one Chromium for the browser tests, run one after the other
    if PER_MODULE_PROCESSES & set(item.fixturenames):
        return item.module.__name__
    return None


def _check_integration_table(tests: Path) -> None:
    """Every entry of `INTEGRATION_TESTS` names a test that exists: a renamed or moved test
    must not fall back to the unit tier unnoticed."""
    for where in INTEGRATION_TESTS:
        module, _, name = where.partition("::")
        path = tests / module
        if not path.is_file() or (name and f"def {name}(" not in path.read_text()):
            raise pytest.UsageError(f"tests/conftest.py INTEGRATION_TESTS: no test {where}")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Give every test its tier and xdist group; mark `embedded` every test of
    `EMBEDDED_SUITES` that needs no server of its own.

    First of the hooks: pytest-xdist's own (in each worker) reads the `xdist_group`
    markers to group tests under `--dist loadgroup`; run after it, the groups given here
    were ignored and a run started two stacks, two Chromiums and a Celery worker per
    worker and module (`pytest_collection_finish` checks that the groups reach xdist)."""
    tests = Path(__file__).parent
    _check_integration_table(tests)
    for item in items:
        markers = {m.name for m in item.iter_markers()}
        where = item.nodeid.removeprefix("tests/")
        tier = _tier(item, markers, where)
        item.add_marker(getattr(pytest.mark, tier))
        group = _xdist_group(item, tier)
        if group and "xdist_group" not in markers:
            item.add_marker(pytest.mark.xdist_group(group))
        suite = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        embedded = suite in EMBEDDED_SUITES and not NOT_EMBEDDED & (markers | {tier})
        if embedded or "own_sqlite" in markers:
            item.add_marker(pytest.mark.embedded)


class _SlowTiersFirst:
    """Run the slow tiers first: stack, system, integration, then unit.

    xdist hands out its groups first (largest first), then single tests in collection
    order, which pytest-django sorts with transactional tests last. The system tier's long
    single tests (schemathesis, the mirror) then started after the unit tier and ran alone
    at the end of the run. A `trylast` hook, so that it sorts after pytest-django; the
    order within a tier stays as it was. Unit tests therefore also run after flushes in a
    single process, as they already did on xdist's workers: what migrations put in the
    database (the roles, the site settings row) is made again by `post_migrate`."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        def rank(item: pytest.Item) -> int:
            return next(i for i, tier in enumerate(TIERS[::-1]) if item.get_closest_marker(tier))

        items.sort(key=rank)


def pytest_configure(config):
    config.pluginmanager.register(_SlowTiersFirst(), "broadsheet-slow-tiers-first")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_finish(session):
    """Under `--dist loadgroup` every grouped test's id carries its group (xdist's suffix):
    if a plugin's order ever changes that, fail the run rather than start a stack twice."""
    if session.config.getoption("dist", "no") != "loadgroup":
        return
    for item in session.items:
        mark = item.get_closest_marker("xdist_group")
        group = mark and (mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        if group and not item.nodeid.endswith(f"@{group}"):
            raise pytest.UsageError(f"{item.nodeid}: its xdist group did not reach xdist")


# --- One Chromium ---------------------------------------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]  # fmt: skip


class _Chromium:
    """Debian's Chromium under Playwright, launched for the first test that asks for it and
    closed after the last one of a consecutive run of such tests (see
    `pytest_runtest_teardown`): the browser tests share one launch, and no other test runs
    while Playwright's event loop is running in this thread (Django's async views and
    `async_to_sync` refuse to run under a running loop)."""

    def __init__(self) -> None:
        self.playwright = None
        self.browser = None

    def get(self):
        if self.browser is None:
            if not CHROMIUM.exists():
                missing("Chromium", "apt-get install chromium (scripts/system-deps.sh does it)")
            from playwright.sync_api import sync_playwright

            # Playwright's sync API keeps an event loop running in this thread: the ORM
            # calls of tests and fixtures stay plain synchronous calls all the same.
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=FLAGS
            )
        return self.browser

    def close(self) -> None:
        if self.playwright is not None:
            try:
                if self.browser is not None:
                    self.browser.close()
            finally:
                self.playwright.stop()
                self.playwright = self.browser = None
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


_chromium = _Chromium()


@pytest.fixture
def browser():
    """The run's headless Chromium (a Playwright `Browser`): open a context or page of the
    test's own on it. The only browser fixture of the suite."""
    chromium = _chromium.get()
    yield chromium
    try:
        # Pages left open keep asking the live server (previews, autosave, heartbeats).
        for context in chromium.contexts:
            context.close()
    finally:
        # While Playwright's loop runs, Django keeps this thread's connections in
        # context-local storage that pytest-django's teardown never sees: close them
        # here, or dropping the test database finds a session still open.
        connections.close_all()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is None or "browser" not in nextitem.fixturenames:
        _chromium.close()


def pytest_sessionfinish(session):
    _chromium.close()


# --- The live server ---------------------------------------------------------------------
# pytest-django's live server runs Django's LiveServerThread, whose server class Django
# lets subclasses choose: ours answers without Nagle's 40 ms stall (core/devserver.py),
# which made every live server request (a browser's, schemathesis') 45 ms instead of 2.
LiveServerThread.server_class = ThreadedWSGIServer


# --- The live server's requests in flight ----------------------------------------------
class _LiveRequests:
    """Requests the live server's threads are serving now, from Django's own
    `request_started` / `request_finished` signals (sent in the serving thread; the test
    client's requests, in the main thread, are not counted).

    A browser's request can still be running on the server after its page was closed (an
    editor's preview or autosave, a heartbeat). Its transaction then meets the `TRUNCATE`
    of the test's flush and PostgreSQL breaks the deadlock by failing the flush: so a live
    server test ends only once the server is idle."""

    def __init__(self) -> None:
        self.threads: set[int] = set()
        self.lock = threading.Lock()

    def started(self, sender, **kwargs) -> None:
        # A WSGI server's handler (the test client's handlers are not WSGIHandlers).
        if isinstance(sender, type) and issubclass(sender, WSGIHandler):
            with self.lock:
                self.threads.add(threading.get_ident())

    def finished(self, **kwargs) -> None:
        with self.lock:
            self.threads.discard(threading.get_ident())

    def idle(self) -> bool:
        with self.lock:
            # A request that raised out of the handler never sends `request_finished`:
            # its thread has ended since, so it no longer counts.
            self.threads &= {thread.ident for thread in threading.enumerate()}
            return not self.threads


_live_requests = _LiveRequests()
request_started.connect(_live_requests.started, dispatch_uid="tests-live-requests")
request_finished.connect(_live_requests.finished, dispatch_uid="tests-live-requests")


@pytest.fixture(autouse=True)
def _live_server_idle_before_flush(request):
    """Torn down after the test's own fixtures (the browser's pages are closed by then)
    and before pytest-django's flush of a live server test's database: it asks for the
    database first, so pytest tears it down after this."""
    live = "live_server" in request.fixturenames
    if live:
        request.getfixturevalue("transactional_db")
    yield
    if live:
        for _ in range(2):  # twice: a request accepted just before the first look
            devservers.wait_for(_live_requests.idle, 30, "the live server's requests to end")
            time.sleep(0.05)


# --- Shared fixtures ------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _clean_cache():
    """The Redis cache outlives a test's database transaction: start every test empty
    (and without this process's copy of the site settings, kept under its generations)."""
    for each in caches.all():  # the layout's template fragments too (settings change)
        each.clear()
    forget_site_values()
    yield
    for each in caches.all():
        each.clear()
    forget_site_values()


@pytest.fixture
def reader(db):
    return UserFactory(username="reader")


@pytest.fixture
def contributor(db):
    return ContributorFactory(username="contributor")


@pytest.fixture
def author(db):
    return AuthorFactory(username="author")


@pytest.fixture
def other_author(db):
    return AuthorFactory(username="other_author")


@pytest.fixture
def editor(db):
    return EditorFactory(username="editor")


@pytest.fixture
def client_for(client):
    """`client_for(user)`: the test client, logged in as `user` (no password round trip)."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


# --- A real SMTP server -------------------------------------------------------------------
@pytest.fixture(scope="session")
def _smtp_server():
    from devservers.smtp import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def smtp(_smtp_server, settings):
    """Mail from this process goes over SMTP to a real server on loopback; read it back
    from `smtp.messages` (email.message objects). A worker started by the test sends there
    too when given `smtp.worker_env()`."""
    _smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = _smtp_server.host
    settings.EMAIL_PORT = _smtp_server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    _smtp_server.worker_env = lambda: {
        "BROADSHEET_TEST_SMTP": f"{_smtp_server.host}:{_smtp_server.port}",
    }
    yield _smtp_server
    _smtp_server.clear()


# --- schemathesis' summary -------------------------------------------------------------
# One entry per schemathesis run (tests/api/test_schemathesis.py), from its report's
# `schemathesis` property. Here, not in tests/api/conftest.py: under xdist the controller
# loads only this conftest, and the runs' reports reach it from the workers.
SCHEMATHESIS_RUNS: list[dict] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        SCHEMATHESIS_RUNS.extend(v for k, v in report.user_properties if k == "schemathesis")


def pytest_terminal_summary(terminalreporter):
    """After a run that included them, schemathesis' runs and its totals by identity and
    check."""
    if not SCHEMATHESIS_RUNS:
        return
    totals: dict[tuple[str, str], Counter] = {}
    for run in sorted(SCHEMATHESIS_RUNS, key=lambda run: (run["who"], run["part"])):
        terminalreporter.write_line(
            f"schemathesis ({run['who']}, {run['part']}): {run['operations']} operations, "
            f"{run['cases']} cases in {run['seconds']:.0f} s, phases {run['phases']}, "
            f"stateful {run['links']}"
        )
        for name, status, n in run["checks"]:
            totals.setdefault((run["who"], name), Counter())[status] += n
    for (who, check), counts in sorted(totals.items()):
        terminalreporter.write_line(
            f"  {who:9} {check:30} {sum(counts.values()):6} responses, "
            f"{counts.get('FAILURE', 0)} failures"
        )
