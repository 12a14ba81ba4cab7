"""Finding 6: the six input-driven 500s of the review are 4xx answers now."""

import pytest
from django.test import Client

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def raw_client():
    """A client that returns the 500 page instead of raising, as a real server would."""
    return Client(raise_request_exception=False)


def test_archive_of_december_9999_is_404(raw_client):
    assert raw_client.get("/archive/9999/12/").status_code == 404
    # The last month Python can end: no posts (no page), and no 500 on the way.
    assert raw_client.get("/archive/9999/11/").status_code == 404


@pytest.mark.parametrize("role", ["contributor", "author"])
def test_a_writers_nul_tag_is_400(api_as, request, role):
    user = request.getfixturevalue(role)
    response = api_as(user).post("/api/posts/", {"title": "T", "body": "b", "tags": ["a\x00"]})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"].startswith("tags") and "Null characters" in error["message"]


@pytest.mark.parametrize("field", ['"tags": ["\\ud800"]', '"status": "\\ud800"'])
def test_a_lone_surrogate_in_tags_or_status_is_400(api_as, author, field):
    body = '{"title": "T", "body": "b", ' + field + "}"
    response = api_as(author).generic("POST", "/api/posts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/blog/post/?published_at__year=9999&published_at__month=12",
        "/admin/blog/post/?published_at__year=9999",
        "/admin/autocomplete/?app_label=blog&model_name=post&field_name=tags&term=%00",
        "/admin/blog/post/?q=%00",
        "/admin/blog/post/?status__exact=%00",
        "/admin/accounts/user/?q=a%00",
    ],
)
def test_admin_query_strings_that_used_to_be_500(raw_client, editor, url):
    PostFactory()
    raw_client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    if "/accounts/user/" in url:
        editor.is_superuser = True
        editor.save()
        raw_client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    response = raw_client.get(url)
    assert 400 <= response.status_code < 500 or response.status_code == 302, response.status_code
    assert response.status_code != 500
