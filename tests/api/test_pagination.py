"""Numbered pages of the API: counts, `next` and the last page, whatever the ordering.

Deep pages are read by key and, past the middle, from the far end (pagecache/paginator.py);
`deep_offset = 0` sends every page through that path here.
"""

import pytest

from pagecache.paginator import DeferredJoinPaginator
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _every_page_deep(monkeypatch):
    monkeypatch.setattr(DeferredJoinPaginator, "deep_offset", 0)


def titles(response) -> list[str]:
    return [post["title"] for post in response.json()["results"]]


def walk(api, url: str) -> list[str]:
    """Every title of every page, following `next` from the first page."""
    seen, page = [], api.get(url).json()
    while True:
        seen += [post["title"] for post in page["results"]]
        if not page["next"]:
            return seen
        page = api.get(page["next"]).json()


def test_the_last_page_holds_the_oldest_posts_and_no_next(api):
    for i in range(7):
        PostFactory(title=f"Post {i}")
    last = api.get("/api/posts/?page_size=3&page=3").json()
    assert last["count"] == 7 and last["next"] is None and "page=2" in last["previous"]
    assert [post["title"] for post in last["results"]] == ["Post 0"]
    assert walk(api, "/api/posts/?page_size=3") == [f"Post {i}" for i in reversed(range(7))]


@pytest.mark.parametrize("ordering", ["title", "-title"])
def test_equal_titles_are_ordered_by_id_so_pages_never_repeat_or_skip(api, ordering):
    posts = [PostFactory(title="Same title", excerpt=f"number {i}") for i in range(5)]
    seen = [
        post["id"]
        for number in range(1, 6)
        for post in api.get(f"/api/posts/?ordering={ordering}&page_size=1&page={number}").json()[
            "results"
        ]
    ]
    ids = [post.pk for post in posts]
    assert seen == (ids if ordering == "title" else ids[::-1])


@pytest.mark.parametrize("field", ["published_at", "created_at", "updated_at", "title"])
def test_every_ordering_reads_the_same_posts_forwards_and_backwards(api, field):
    for i in range(7):
        PostFactory(title=f"Post {i}")
    forwards = walk(api, f"/api/posts/?ordering={field}&page_size=3")
    backwards = walk(api, f"/api/posts/?ordering=-{field}&page_size=3")
    assert sorted(forwards) == [f"Post {i}" for i in range(7)] and backwards == forwards[::-1]


def test_an_editors_count_follows_every_change(api_as, editor, django_capture_on_commit_callbacks):
    """The count is kept between requests, and retired by every save and delete."""
    client = api_as(editor)
    PostFactory(draft=True)
    PostFactory()
    assert client.get("/api/posts/").json()["count"] == 2
    assert client.get("/api/posts/?status=draft").json()["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/posts/", {"title": "New", "body": "Text"}, format="json")
    assert response.status_code == 201
    assert client.get("/api/posts/").json()["count"] == 3
    assert client.get("/api/posts/?status=draft").json()["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/posts/{response.json()['id']}/").status_code == 204
    assert client.get("/api/posts/").json()["count"] == 2


def test_writers_and_readers_counts_are_their_own(api, api_as, author):
    PostFactory(author=author, draft=True)
    PostFactory()
    assert api.get("/api/posts/").json()["count"] == 1
    assert api_as(author).get("/api/posts/").json()["count"] == 2  # and their own draft
    assert api.get("/api/posts/?page=1").json()["count"] == 1


def test_authors_are_counted_one_page_at_a_time(api):
    writers = [AuthorFactory(username=f"writer{i}") for i in range(3)]
    for i, writer in enumerate(writers):
        PostFactory.create_batch(i + 1, author=writer)
        PostFactory(author=writer, draft=True)
    AuthorFactory(username="silent")  # no public post: not an author page
    pages = [api.get(f"/api/authors/?page_size=2&page={n}").json() for n in (1, 2)]
    assert pages[0]["count"] == 3 and pages[0]["next"] and pages[1]["next"] is None
    counted = [(a["username"], a["post_count"]) for page in pages for a in page["results"]]
    assert counted == [("writer0", 1), ("writer1", 2), ("writer2", 3)]
    assert api.get("/api/authors/writer2/").json()["post_count"] == 3
