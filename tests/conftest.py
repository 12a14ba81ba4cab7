"""Fixtures shared by the whole suite: users by role, a clean cache, logged-in clients."""

import pytest
from django.core.cache import cache

from tests.factories import (
    AuthorFactory,
    ContributorFactory,
    EditorFactory,
    UserFactory,
)


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
