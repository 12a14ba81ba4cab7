"""One migrated test database per run, copied for each xdist worker.

pytest-django makes each worker's database itself, by running every migration: about 6 s
of CPU a worker, 4 workers at once on 2 cores, in each pass of `make test` (and 2 in
`make check`). Django's own parallel test runner migrates once and copies the result
(`clone_test_db`: `CREATE DATABASE … TEMPLATE` on PostgreSQL, a file copy on SQLite);
this does the same across xdist's worker processes. The first worker to take the lock
migrates `test_<name>` (the template: what migrations and `post_migrate` made, roles and
the site settings row included); every worker then copies it under its own name
(`test_<name>_gw0`, …), the one pytest-django would have given it. The last worker to
finish drops the template.

Outside xdist, or with `--reuse-db` or `--nomigrations`, pytest-django's own setup runs
instead (`plain_databases`).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from django.test.utils import setup_databases, teardown_databases

from tests.servers_plugin import SHARED


@contextmanager
def _locked(folder: Path) -> Iterator[Path]:
    with open(folder / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield folder / "template.users"  # how many workers use it; none: not made
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def worker_database(worker: str) -> Iterator[None]:
    """Set up this worker's copy of the template (made first if no worker has), yield,
    then drop the copy, and the template after the last worker using it.

    The connection's settings are changed in place, as Django's `create_test_db` and
    `setup_worker_connection` change them, so threads (a live server's) and the processes
    tests start see the copy too."""
    (alias,) = connections  # one database
    connection = connections[alias]
    settings = connection.settings_dict
    original_name = settings["NAME"]
    # pytest-django has named the worker's test database `<test name>_<worker>`.
    template = settings["TEST"]["NAME"].removesuffix(f"_{worker}")
    settings["TEST"]["NAME"] = template
    folder = Path(os.environ[SHARED])
    with _locked(folder) as users:
        count = int(users.read_text()) if users.exists() else 0
        if count:
            settings["NAME"] = template
        else:
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        users.write_text(str(count + 1))
        # Closed first: SQLite's WAL is then written back into the file that is copied.
        connection.close()
        connection.creation.clone_test_db(suffix=worker, verbosity=0, autoclobber=True)
    settings.update(connection.creation.get_test_db_clone_settings(worker))
    connection.close()
    try:
        yield
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        with _locked(folder) as users:
            left = int(users.read_text()) - 1
            if left:
                users.write_text(str(left))
            else:  # the last worker: the template goes too
                settings["NAME"] = template
                connection.creation.destroy_test_db(original_name, verbosity=0)
                users.unlink()


@contextmanager
def plain_databases(verbosity: int, *, keepdb: bool) -> Iterator[None]:
    """pytest-django's setup (no test here asks for a serialized rollback)."""
    config = setup_databases(
        verbosity=verbosity, interactive=False, keepdb=keepdb, serialized_aliases=set()
    )
    yield
    if not keepdb:
        teardown_databases(config, verbosity=verbosity)
