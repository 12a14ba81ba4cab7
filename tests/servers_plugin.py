"""pytest plugin (loaded with `-p tests.servers_plugin`): real servers for the whole run.

Before pytest-django imports the settings, start a throwaway PostgreSQL and Redis unless
`DATABASE_URL` / `REDIS_URL` already name servers, and export their URLs. Each xdist
worker gets its own pair, so workers never share a database server's state.
"""

import atexit
import os

import pytest

from tests.servers import start_postgres, start_redis


@pytest.hookimpl(hookwrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if not os.environ.get("DATABASE_URL"):
        postgres = start_postgres()
        atexit.register(postgres.stop)
        os.environ["DATABASE_URL"] = postgres.url
    if not os.environ.get("REDIS_URL"):
        redis = start_redis()
        atexit.register(redis.stop)
        os.environ["REDIS_URL"] = redis.url
    yield
