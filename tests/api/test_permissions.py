"""The permission matrix, table-driven: who may list, read, create, update, delete, publish.

Expected codes: 2xx allowed; 401 no credentials; 403 visible but not allowed; 404 not
visible at all. Same rule as the admin (`blog.permissions`).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

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


# (action, target) -> expected status per role, in ROLES order. Targets are named
# "<owner>_<state>": `author` and `contributor` own them; `other_author` owns nothing.
MATRIX = {
    ("list", None): [200, 200, 200, 200, 200, 200],
    ("retrieve", "author_public"): [200, 200, 200, 200, 200, 200],
    ("retrieve", "author_draft"): [404, 404, 404, 200, 404, 200],
    ("retrieve", "author_scheduled"): [404, 404, 404, 200, 404, 200],
    ("retrieve", "contributor_draft"): [404, 404, 200, 404, 404, 200],
    ("create_draft", None): [401, 403, 201, 201, 201, 201],
    ("create_published", None): [401, 403, 403, 201, 201, 201],
    ("create_scheduled", None): [401, 403, 403, 201, 201, 201],
    ("update", "author_draft"): [401, 404, 404, 200, 404, 200],
    ("update", "author_scheduled"): [401, 404, 404, 200, 404, 200],
    ("update", "author_public"): [401, 403, 403, 200, 403, 200],
    ("update", "contributor_draft"): [401, 404, 200, 404, 404, 200],
    ("update", "contributor_public"): [401, 403, 403, 403, 403, 200],
    ("publish", "author_draft"): [401, 404, 404, 200, 404, 200],
    ("publish", "author_scheduled"): [401, 404, 404, 200, 404, 200],
    ("publish", "contributor_draft"): [401, 404, 403, 404, 404, 200],
    ("unpublish", "author_public"): [401, 403, 403, 200, 403, 200],
    ("delete", "author_draft"): [401, 404, 404, 204, 404, 204],
    ("delete", "author_public"): [401, 403, 403, 204, 403, 204],
    ("delete", "contributor_draft"): [401, 404, 204, 404, 404, 204],
    ("delete", "contributor_public"): [401, 403, 403, 403, 403, 204],
}
CASES = [
    (action, target, role, expected)
    for (action, target), codes in MATRIX.items()
    for role, expected in zip(ROLES, codes, strict=True)
]
LATER = (timezone.now() + timedelta(days=30)).isoformat()
REQUESTS = {
    "list": ("get", None),
    "retrieve": ("get", None),
    "create_draft": ("post", {"title": "New", "body": "Text"}),
    "create_published": ("post", {"title": "New", "body": "Text", "status": "published"}),
    "create_scheduled": (
        "post",
        {"title": "New", "body": "Text", "status": "published", "published_at": LATER},
    ),
    "update": ("patch", {"title": "Changed"}),
    "publish": ("patch", {"status": "published", "published_at": None}),
    "unpublish": ("patch", {"status": "draft"}),
    "delete": ("delete", None),
}


@pytest.fixture
def targets(author, contributor):
    return {
        "author_public": PostFactory(author=author),
        "author_draft": PostFactory(author=author, draft=True),
        "author_scheduled": PostFactory(author=author, scheduled=True),
        "contributor_draft": PostFactory(author=contributor, draft=True),
        "contributor_public": PostFactory(author=contributor),
    }


def _snapshot(post: Post) -> tuple:
    return (post.title, post.status, post.published_at)


@pytest.mark.parametrize(("action", "target", "role", "expected"), CASES)
def test_permission_matrix(api_as, actors, targets, action, target, role, expected):
    client = api_as(actors[role])
    post = targets.get(target)
    before = _snapshot(post) if post else None
    url = f"/api/posts/{post.pk}/" if post else "/api/posts/"
    method, body = REQUESTS[action]
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == expected, (action, target, role, response.content)
    media_type = "application/json" if expected < 400 else "application/problem+json"
    assert expected == 204 or response["Content-Type"] == media_type
    if expected >= 400:
        assert response.json()["status"] == expected and response.json()["detail"]
        if post:  # still there, unchanged
            post.refresh_from_db()
            assert _snapshot(post) == before
        else:
            assert not Post.objects.filter(title="New").exists()
    elif action == "delete":
        assert not Post.objects.filter(pk=post.pk).exists()
    elif action == "publish":
        post.refresh_from_db()
        assert post.state == Post.State.PUBLISHED
    elif action.startswith("create"):
        created = Post.objects.get(pk=response.json()["id"])
        assert created.author == actors[role]
        assert created.state == action.removeprefix("create_")


VISIBLE = {
    "anonymous": {"author_public", "contributor_public"},
    "reader": {"author_public", "contributor_public"},
    "contributor": {"author_public", "contributor_public", "contributor_draft"},
    "author": {"author_public", "contributor_public", "author_draft", "author_scheduled"},
    "other_author": {"author_public", "contributor_public"},
    "editor": {
        "author_public", "contributor_public", "author_draft", "author_scheduled",
        "contributor_draft",
    },
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_what_the_role_may_see(api_as, actors, targets, role):
    ids = {post.pk: name for name, post in targets.items()}
    response = api_as(actors[role]).get("/api/posts/?page_size=100")
    assert {ids[post["id"]] for post in response.json()["results"]} == VISIBLE[role]
    for name in VISIBLE[role]:  # and each visible post reads by id too
        assert api_as(actors[role]).get(f"/api/posts/{targets[name].pk}/").status_code == 200


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
    assert response.status_code == 400  # read-only: refused, not silently dropped
    assert response.json()["errors"][0]["code"] == "read_only"
    response = api_as(author).post("/api/posts/", {"title": "Mine", "body": "x"}, format="json")
    assert response.status_code == 201
    assert response.json()["author"]["username"] == "author"
    assert Post.objects.get(title="Mine").author == author


def test_author_schedules_own_post(api_as, author):
    response = api_as(author).post(
        "/api/posts/",
        {
            "title": "Later",
            "body": "x",
            "status": "published",
            "published_at": "2099-01-01T00:00:00Z",
        },
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
