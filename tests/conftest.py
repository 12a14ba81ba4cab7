"""Fixtures shared by the whole suite: users by role, a clean cache, logged-in clients."""

from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import (
    AuthorFactory,
    ContributorFactory,
    EditorFactory,
    UserFactory,
)

# Reader, admin and API pages (and what serves them): run a second time by `make test` on
# `make run`'s embedded defaults (SQLite, local-memory cache, tasks in-process).
EMBEDDED_SUITES = {"readers", "admin", "api", "blog", "accounts", "images", "transfer"}
# Tests that need more than the embedded default offers, whatever their folder.
NOT_EMBEDDED = {"postgresql", "redis", "browser", "stack", "celery_worker"}


def pytest_collection_modifyitems(config, items):
    """Mark `embedded` every test of `EMBEDDED_SUITES` that needs no server of its own."""
    tests = Path(__file__).parent
    for item in items:
        suite = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        if suite in EMBEDDED_SUITES and not NOT_EMBEDDED & {m.name for m in item.iter_markers()}:
            item.add_marker(pytest.mark.embedded)


@pytest.fixture(autouse=True)
def _clean_cache():
    """The Redis cache outlives a test's database transaction: start every test empty."""
    cache.clear()
    yield
    cache.clear()


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
