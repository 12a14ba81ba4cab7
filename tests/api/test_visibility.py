"""No draft or scheduled post leaks through any list, filter, search, ordering or action."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(author):
    category, tag = CategoryFactory(name="News", slug="news"), TagFactory(name="x", slug="x")
    common = {"category": category, "tags": [tag], "author": author, "body": "lighthouse"}
    return {
        "public": PostFactory(title="Public lighthouse", **common),
        "draft": PostFactory(title="Draft lighthouse", draft=True, **common),
        "scheduled": PostFactory(
            title="Scheduled lighthouse",
            published_at=timezone.now() + timedelta(hours=1),
            **common,
        ),
    }


QUERIES = [
    "",
    "?status=draft",
    "?status=published",
    "?category=news",
    "?tag=x",
    "?author=author",
    "?search=lighthouse",
    "?ordering=-published_at",
    "?ordering=title",
    "?ordering=-created_at",
    "?published_after=2000-01-01T00:00:00Z",
    "?published_before=2999-01-01T00:00:00Z",
    "?slug=draft-lighthouse",
    "?page_size=100",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("endpoint", ["/api/posts/", "/api/posts/published/"])
def test_anonymous_sees_only_public_posts(api, catalogue, endpoint, query):
    response = api.get(endpoint + query)
    assert response.status_code == 200
    titles = {post["title"] for post in response.json()["results"]}
    assert titles <= {"Public lighthouse"}
    assert "Draft lighthouse" not in response.content.decode()
    assert "Scheduled lighthouse" not in response.content.decode()


def test_hidden_posts_are_404_by_id_and_empty_by_slug(api, catalogue):
    for name in ("draft", "scheduled"):
        post = catalogue[name]
        assert api.get(f"/api/posts/{post.pk}/").status_code == 404
        assert api.get(f"/api/posts/?slug={post.slug}").json()["count"] == 0


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 404), ("other_author", 404), ("author", 200), ("editor", 200)],
)
@pytest.mark.parametrize("name", ["draft", "scheduled"])
def test_hidden_posts_by_slug_are_404_for_who_may_not_see_them(
    api_as, catalogue, other_author, editor, author, name, role, expected
):
    users = {"anonymous": None, "other_author": other_author, "author": author, "editor": editor}
    post = catalogue[name]
    response = api_as(users[role]).get(f"/api/posts/by-slug/{post.slug}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["id"] == post.pk


def test_public_post_by_slug(api, catalogue):
    post = catalogue["public"]
    assert api.get(f"/api/posts/by-slug/{post.slug}/").json()["id"] == post.pk
    assert api.get("/api/posts/by-slug/no-such-post/").status_code == 404


def test_author_sees_own_drafts_but_published_action_stays_public(api_as, author, catalogue):
    client = api_as(author)
    mine = {p["title"] for p in client.get("/api/posts/?status=draft").json()["results"]}
    assert mine == {"Draft lighthouse"}
    public = {p["title"] for p in client.get("/api/posts/published/").json()["results"]}
    assert public == {"Public lighthouse"}


def test_other_author_does_not_see_drafts(api_as, other_author, catalogue):
    titles = {p["title"] for p in api_as(other_author).get("/api/posts/").json()["results"]}
    assert titles == {"Public lighthouse"}


def test_scheduled_post_appears_on_time(api, catalogue):
    scheduled = catalogue["scheduled"]
    with time_machine.travel(scheduled.published_at + timedelta(seconds=1), tick=False):
        assert api.get(f"/api/posts/{scheduled.pk}/").status_code == 200
        assert api.get("/api/posts/").json()["count"] == 2


def test_authors_endpoint_counts_public_posts_and_hides_emails(api, catalogue, contributor):
    PostFactory(author=contributor, draft=True)
    response = api.get("/api/authors/")
    assert response.status_code == 200
    authors = response.json()["results"]
    assert [(a["username"], a["post_count"]) for a in authors] == [("author", 1)]
    assert (
        "email" not in response.content.decode() and "@example.com" not in response.content.decode()
    )
    assert api.get("/api/authors/contributor/").status_code == 404
    assert api.get("/api/authors/author/").json()["display_name"]
