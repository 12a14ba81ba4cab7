"""pytest plugin (loaded with `-p tests.servers_plugin`): real servers for the whole run.

Before pytest-django imports the settings, start a throwaway PostgreSQL and Redis unless
`DATABASE_URL` / `REDIS_URL` already name servers, and export their URLs. Each xdist
worker gets its own pair, so workers never share a database server's state.

`BROADSHEET_TEST_EMBEDDED=1` runs on `make run`'s embedded defaults instead: a SQLite
database, the local-memory cache and tasks in-process, no server at all. `make test`
runs the tests marked `embedded` (reader, admin and API pages: see `tests/conftest.py`)
a second time that way, because that is what a newcomer's `make run` serves.
"""

import atexit
import os
import shutil
import tempfile

import pytest

from tests.servers import start_postgres, start_redis

EMBEDDED = os.environ.get("BROADSHEET_TEST_EMBEDDED") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if EMBEDDED:
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
    if not os.environ.get("REDIS_URL"):
        redis = start_redis()
        atexit.register(redis.stop)
        os.environ["REDIS_URL"] = redis.url
    yield


def pytest_report_header(config):
    if EMBEDDED:
        return "database: SQLite, cache: local memory, tasks in-process (make run's defaults)"
    return None
