import pytest
from django.db import connection

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_runs_on_postgresql():
    assert connection.vendor == "postgresql"


def test_home_lists_public_post(client):
    PostFactory(title="Hello world")
    PostFactory(title="Secret draft", draft=True)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Hello world" in response.content
    assert b"Secret draft" not in response.content


def test_author_previews_own_draft(client_for):
    post = PostFactory(title="My draft", draft=True)
    response = client_for(post.author).get(post.get_absolute_url())
    assert response.status_code == 200
    assert b"Preview" in response.content
