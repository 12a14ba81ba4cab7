"""pytest plugin (loaded with `-p tests.servers_plugin`): real servers for the whole run.

Before pytest-django imports the settings, start a throwaway PostgreSQL and Redis
(devservers/) unless `DATABASE_URL` / `REDIS_URL` already name servers, and export their
URLs.

Under pytest-xdist (`make test`, `make check`: `-n`), the controller starts the one
PostgreSQL server and the workers inherit its URL; pytest-django gives each worker a test
database of its own (`test_postgres_gw0`, …). Each worker starts a Redis of its own:
tests flush the cache and count Redis' commands (`INFO commandstats` is server-wide), so
workers must not share one. A `REDIS_URL` given from outside is shared instead, one
database number per worker. Each worker has a media folder of its own too.

`BROADSHEET_TEST_EMBEDDED=1` runs on `make run`'s embedded defaults instead: a SQLite
database, the local-memory cache and tasks in-process, no server at all (each xdist
worker has its own SQLite test database, named after it by pytest-django). `make test`
runs the tests marked `embedded` (reader, admin and API pages: see `tests/conftest.py`)
a second time that way, because that is what a newcomer's `make run` serves.
"""

import atexit
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest

from devservers import start_postgres, start_redis

EMBEDDED = os.environ.get("BROADSHEET_TEST_EMBEDDED") == "1"
# Set by the process that started the run's Redis, inherited by its xdist workers.
OWN_REDIS = "BROADSHEET_TEST_OWN_REDIS"


def _worker_number() -> int | None:
    """0, 1, … in an xdist worker (`gw0`, `gw1`, …); None in the controller or a plain run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else None


def _start_redis() -> str:
    redis = start_redis()
    atexit.register(redis.stop)
    return redis.url


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if _worker_number() is not None:
        # Media of this worker's own (and of the Celery workers it starts): tests count the
        # files they made, so workers must not share the folder.
        media = tempfile.mkdtemp(prefix=f"broadsheet-media-{os.environ['PYTEST_XDIST_WORKER']}-")
        atexit.register(shutil.rmtree, media, ignore_errors=True)
        os.environ["DJANGO_MEDIA_ROOT"] = media
    if EMBEDDED:
        if _worker_number() is None:  # workers inherit the controller's folder
            directory = tempfile.mkdtemp(prefix="broadsheet-sqlite-")
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            os.environ["DATABASE_URL"] = f"sqlite:///{directory}/db.sqlite3"
        os.environ["REDIS_URL"] = ""  # no Redis: the local-memory cache, tasks in-process
        yield
        return
    if not os.environ.get("DATABASE_URL"):
        postgres = start_postgres()
        atexit.register(postgres.stop)
        os.environ["DATABASE_URL"] = postgres.url
    worker = _worker_number()
    if not os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _start_redis()
        os.environ[OWN_REDIS] = "1"
    elif worker is not None and os.environ.get(OWN_REDIS) == "1":
        os.environ["REDIS_URL"] = _start_redis()  # the controller's is not for tests
    elif worker is not None:
        parts = urlsplit(os.environ["REDIS_URL"])
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{worker + 1}"))
    yield


def pytest_report_header(config):
    if EMBEDDED:
        return "database: SQLite, cache: local memory, tasks in-process (make run's defaults)"
    return None
