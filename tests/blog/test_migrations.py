"""Migrations: a site's database from before the squash of blog's parallel `0004_*`
migrations (and before transfer's permalinks moved into blog's redirects) reaches the new
head with its data and its old addresses intact, and with the very schema a fresh
database gets.

Each step runs `tests/blog/migration_steps.py` or `manage.py migrate` in a process of its
own on a database made for the test (PostgreSQL on the test server, or a SQLite file in
the embedded run), as a maintainer would run them after a deploy.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]
SQUASH = "blog.0004_squashed_parallel_work"


@contextlib.contextmanager
def fresh_database(tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of the kind the test run uses, dropped afterwards."""
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / name}.sqlite3"
        return
    import psycopg

    database = f"migrations_{name}_{uuid.uuid4().hex[:8]}"
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{database}"))
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run(url: str, *args: str) -> str:
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "",  # the local-memory cache: nothing shared with the test run
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def step(url: str, name: str) -> dict:
    return json.loads(run(url, "-m", "tests.blog.migration_steps", name).splitlines()[-1])


def test_a_database_at_the_old_head_reaches_the_new_head_with_its_data(tmp_path):
    with fresh_database(tmp_path, "old") as old, fresh_database(tmp_path, "new") as new:
        before = step(old, "old-head")
        run(old, "manage.py", "migrate", "--no-input")
        migrated = step(old, "report")
        run(new, "manage.py", "migrate", "--no-input")
        fresh = step(new, "report")

    # The six replaced migrations were applied; the squash counts as applied too.
    assert SQUASH not in before["applied"] and "blog.0004_sqlite_fulltext" in before["applied"]
    assert SQUASH in migrated["applied"] and "blog.0009_redirect_to_a_post" in migrated["applied"]
    assert migrated["applied"] == fresh["applied"]
    # What readers had, they still have: the post, its old slug and the imported links.
    assert migrated["post"] == {
        "title": "The old harbour",
        "body_html": "<p>Boats <strong>at rest</strong>.</p>",
        "category": "coast",
        "tags": ["Harbour"],
        "author": "writer",
    }
    moved = [301, "/posts/old-harbour/"]
    assert migrated["answers"] == {
        "/posts/harbour/": moved,
        "/?p=42": moved,
        "/2023/04/05/harbour/": moved,
        "/posts/old-harbour/": [200, ""],
    }
    # The permalinks now live in blog's table, leading to the post; transfer's is gone.
    assert migrated["redirects"] == [
        ["/2023/04/05/harbour/", "", True],
        ["/?p=42", "", True],
        ["/posts/harbour/", "/posts/old-harbour/", False],
    ]
    assert migrated["tombstones"] == [["gone", "deleted"]]
    assert "transfer_permalink" in before["tables"]
    # The squash and the files it replaces leave the same tables, columns and indexes.
    assert migrated["schema"] == fresh["schema"]
    assert "transfer_permalink" not in fresh["schema"]


def test_rebuilding_the_listing_indexes_locks_no_reader_and_survives_an_interruption(
    tmp_path, transactional_db
):
    """blog.0016 rebuilds eight indexes of `blog_post`. On a large site a plain rebuild
    would block every reader of posts until it commits; and a non-atomic migration that
    is interrupted must still complete when the maintainer runs `migrate` again."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("blog", "0016_public_rule_in_listing_indexes")
    assert not migration.atomic  # no transaction holding the locks until the end
    if connection.vendor == "postgresql":
        # What `manage.py sqlmigrate blog 0016` would print (it cannot load this graph:
        # it reads the dependencies that the squash's `replaces` maps).
        statements = [line for line in loader.collect_sql([(migration, False)]) if line[:2] != "--"]
        assert all(
            "INDEX CONCURRENTLY" in line or line.startswith("ALTER INDEX") for line in statements
        ), statements
        assert sum("CREATE INDEX CONCURRENTLY" in line for line in statements) == 8

    with fresh_database(tmp_path, "interrupted") as url:
        run(url, "manage.py", "migrate", "blog", "0015", "--no-input")
        with _cursor(url) as cursor:
            # Killed while building one index, and between dropping and renaming another.
            cursor.execute("CREATE INDEX post_status_published_new ON blog_post (title)")
            cursor.execute("DROP INDEX post_author_status_idx")
            cursor.execute("CREATE INDEX post_author_status_new ON blog_post (author_id)")
        run(url, "manage.py", "migrate", "--no-input")
        with _cursor(url) as cursor:
            migrated = _post_indexes(cursor, sqlite=url.startswith("sqlite"))

    with connection.cursor() as cursor:  # the test run's database, migrated from nothing
        assert migrated == _post_indexes(cursor, sqlite=connection.vendor == "sqlite")
    assert "post_status_published_new" not in migrated and "post_author_status_idx" in migrated


@contextlib.contextmanager
def _cursor(url: str) -> Iterator:
    """A cursor on the database at `url`, each statement committed at once."""
    if url.startswith("sqlite"):
        import sqlite3

        database = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            yield database.cursor()
        finally:
            database.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as database, database.cursor() as cursor:
        yield cursor


def _post_indexes(cursor, sqlite: bool) -> dict[str, tuple]:
    """`blog_post`'s indexes: name -> (definition, valid) on PostgreSQL, (definition,) on
    SQLite."""
    if sqlite:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'blog_post'"
        )
        return {name: (definition,) for name, definition in cursor.fetchall()}
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'blog_post'::regclass"
    )
    return {name: (definition, valid) for name, definition, valid in cursor.fetchall()}


def test_sync_stamps_start_as_the_old_times_and_interrupted_fills_complete(
    tmp_path, transactional_db
):
    """blog.0017 adds `Post.recorded_at` and members.0004 `Member.added_at` (what syncing
    clients follow); blog.0018 and members.0005 fill them and build their indexes without
    a lock. Upgrading moves no client's place: a post keeps its `updated_at` as its
    marker, a member its `created_at`. And each fill killed midway (between dropping the
    old marker index and renaming the new one; while building the members' index)
    completes when `migrate` runs again."""
    with fresh_database(tmp_path, "stamps") as url:
        run(url, "manage.py", "migrate", "--no-input")  # every app at its head, then
        run(url, "manage.py", "migrate", "blog", "0017", "--no-input")  # 0018 undone
        run(url, "manage.py", "migrate", "members", "0004", "--no-input")  # 0005 undone
        run(url, "manage.py", "shell", "-c", "from tests.factories import PostFactory; "
            "from members.models import Member; PostFactory(); "
            "Member.objects.create(email='early@example.com')")  # fmt: skip
        sqlite = url.startswith("sqlite")
        with _cursor(url) as cursor:
            if sqlite:  # as Django stores times there: UTC, no offset
                cursor.execute("UPDATE blog_post SET updated_at = '2020-01-02 03:04:05'")
                cursor.execute("UPDATE members_member SET created_at = '2020-01-02 03:04:05'")
            else:
                cursor.execute("UPDATE blog_post SET updated_at = '2020-01-02 03:04:05+00'")
                cursor.execute("UPDATE members_member SET created_at = '2020-01-02 03:04:05+00'")
            cursor.execute("DROP INDEX post_changed_idx")
            cursor.execute("CREATE INDEX post_changed_new ON blog_post (title)")
            cursor.execute("CREATE INDEX member_added_idx ON members_member (email)")
        run(url, "manage.py", "migrate", "--no-input")
        with _cursor(url) as cursor:
            cursor.execute("SELECT recorded_at = updated_at FROM blog_post")
            assert [bool(same) for (same,) in cursor.fetchall()] == [True]
            cursor.execute("SELECT added_at = created_at FROM members_member")
            assert [bool(same) for (same,) in cursor.fetchall()] == [True]
            migrated = _post_indexes(cursor, sqlite=sqlite)
            if sqlite:
                cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'member_added_idx'")
            else:
                cursor.execute("SELECT pg_get_indexdef('member_added_idx'::regclass)")
            (member_index,) = cursor.fetchone()

    with connection.cursor() as cursor:  # the test run's database, migrated from nothing
        assert migrated == _post_indexes(cursor, sqlite=connection.vendor == "sqlite")
    assert "post_changed_new" not in migrated and "post_recorded_idx" in migrated
    assert "added_at" in member_index and "email" not in member_index, member_index
