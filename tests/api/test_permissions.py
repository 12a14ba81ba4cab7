"""The permission matrix, table-driven: who may list, read, create, update, delete, publish.

Expected codes: 2xx allowed; 401 no credentials; 403 visible but not allowed; 404 not
visible at all. Same rule as the admin (`blog.permissions`).
"""

import pytest

from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "contributor", "author", "other_author", "editor"]


@pytest.fixture
def actors(reader, contributor, author, other_author, editor):
    return {
        "anonymous": None,
        "reader": reader,
        "contributor": contributor,
        "author": author,
        "other_author": other_author,
        "editor": editor,
    }


# (action, target) -> expected status per role, in ROLES order.
# Targets: "own_draft" = a draft by `author`; "public" = a public post by `author`.
MATRIX = {
    ("list", None): [200, 200, 200, 200, 200, 200],
    ("retrieve", "public"): [200, 200, 200, 200, 200, 200],
    ("retrieve", "own_draft"): [404, 404, 404, 200, 404, 200],
    ("create_draft", None): [401, 403, 201, 201, 201, 201],
    ("create_published", None): [401, 403, 403, 201, 201, 201],
    ("update", "own_draft"): [401, 404, 404, 200, 404, 200],
    ("update", "public"): [401, 403, 403, 200, 403, 200],
    ("publish", "own_draft"): [401, 404, 404, 200, 404, 200],
    ("delete", "own_draft"): [401, 404, 404, 204, 404, 204],
    ("delete", "public"): [401, 403, 403, 204, 403, 204],
}
CASES = [
    (action, target, role, expected)
    for (action, target), codes in MATRIX.items()
    for role, expected in zip(ROLES, codes, strict=True)
]


@pytest.mark.parametrize(("action", "target", "role", "expected"), CASES)
def test_permission_matrix(api_as, actors, author, action, target, role, expected):
    posts = {
        "own_draft": PostFactory(author=author, draft=True, title="Draft"),
        "public": PostFactory(author=author, title="Public"),
    }
    client = api_as(actors[role])
    post = posts.get(target)
    url = f"/api/posts/{post.pk}/" if post else "/api/posts/"
    match action:
        case "list":
            response = client.get(url)
        case "retrieve":
            response = client.get(url)
        case "create_draft":
            response = client.post(url, {"title": "New", "body": "Text"}, format="json")
        case "create_published":
            response = client.post(
                url, {"title": "New", "body": "Text", "status": "published"}, format="json"
            )
        case "update":
            response = client.patch(url, {"title": "Changed"}, format="json")
        case "publish":
            response = client.patch(url, {"status": "published"}, format="json")
        case "delete":
            response = client.delete(url)
    assert response.status_code == expected, (action, target, role, response.content)
    if post and expected >= 400:
        post.refresh_from_db()  # still there, unchanged
        assert post.title in {"Draft", "Public"}
        assert post.status == (Post.Status.DRAFT if target == "own_draft" else "published")


def test_contributor_edits_own_draft_but_cannot_publish_it(api_as, contributor):
    post = PostFactory(author=contributor, draft=True)
    client = api_as(contributor)
    assert client.patch(f"/api/posts/{post.pk}/", {"title": "Better"}).status_code == 200
    response = client.patch(f"/api/posts/{post.pk}/", {"status": "published"})
    assert response.status_code == 403
    assert "drafts only" in response.json()["detail"]
    post.refresh_from_db()
    assert (post.title, post.status) == ("Better", "draft")


def test_author_is_always_the_requesting_user(api_as, author, editor):
    response = api_as(author).post(
        "/api/posts/", {"title": "Mine", "body": "x", "author": editor.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["author"]["username"] == "author"
    assert Post.objects.get(title="Mine").author == author


def test_author_schedules_own_post(api_as, author):
    response = api_as(author).post(
        "/api/posts/",
        {"title": "Later", "body": "x", "status": "published", "published_at": "2099-01-01T00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["state"] == "scheduled"


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 401), ("author", 403), ("editor", 201)]
)
def test_only_editors_write_categories_and_tags(api_as, actors, role, expected):
    client = api_as(actors[role])
    assert client.post("/api/categories/", {"name": "New"}, format="json").status_code == expected
    assert client.post("/api/tags/", {"name": "new"}, format="json").status_code == expected
