"""Comment counts on listings and in `/api/posts/`: one grouped query per page, never
one per post, and never stale in the cached pieces (only the page cache's lifetime)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import services
from comments.counts import COUNTS_VERSION_KEY
from comments.models import Comment, Discussion
from core.sitevalues import forget as forget_site_values
from tests.comments.test_api import api  # noqa: F401  (fixture)
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def add_comments(post, n: int, status=Comment.Status.APPROVED) -> None:
    Comment.objects.bulk_create(
        Comment(post=post, body="b", body_html="<p>b</p>", status=status, created_at=timezone.now())
        for _ in range(n)
    )


def queries(client, url: str) -> int:
    cache.clear()  # the page as built
    forget_site_values()  # and not with this process's copy of the site settings
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_listings_say_how_many_comments_and_link_to_them(client):
    busy, quiet, hidden = PostFactory(title="Busy"), PostFactory(title="Quiet"), PostFactory()
    add_comments(busy, 3)
    add_comments(busy, 2, status=Comment.Status.PENDING)
    add_comments(busy, 1, status=Comment.Status.SPAM)
    add_comments(hidden, 4)
    Discussion.objects.create(post=hidden, mode=Discussion.Mode.HIDDEN)

    page = client.get("/").content.decode()

    assert f'<a href="{busy.get_absolute_url()}#comments">3 comments</a>' in page
    assert f"{quiet.get_absolute_url()}#comments" not in page  # none yet: nothing said
    assert f"{hidden.get_absolute_url()}#comments" not in page
    add_comments(quiet, 1)
    cache.clear()
    assert f'{quiet.get_absolute_url()}#comments">1 comment</a>' in client.get("/").content.decode()


def test_a_new_comment_shows_on_the_next_build_without_a_post_save(
    client_for, reader, editor, django_capture_on_commit_callbacks
):
    """The summaries and the listing's entries are cached by post version; the count is
    in their keys, and the listing is kept with the counts' version, which approving a
    comment replaces: a logged-in reader (no page cache) sees it at once."""
    post = PostFactory()
    add_comments(post, 1)
    add_comments(post, 1, status=Comment.Status.PENDING)
    browser = client_for(reader)
    assert ">1 comment</a>" in browser.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Comment.objects.get(status=Comment.Status.PENDING), editor)
    assert ">2 comments</a>" in browser.get("/").content.decode()
    assert ">2 comments</a>" in browser.get(post.category.get_absolute_url()).content.decode()


def count_queries(browser, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    return sum("comments_comment" in query["sql"] for query in ctx.captured_queries)


def test_a_kept_listing_needs_no_count_query_while_its_counts_version_holds(
    client_for, reader, editor, django_capture_on_commit_callbacks
):
    """The home page kept with the counts' version it was built under is served without
    counting comments (it cost the uncached home page half its speed); when the version
    is gone from the cache (evicted, flushed) the counts are read and compared instead."""
    post = PostFactory()
    add_comments(post, 2)
    browser = client_for(reader)
    assert count_queries(browser, "/") == 1  # built: counted once
    assert count_queries(browser, "/") == 0  # kept, under the same version
    cache.delete(COUNTS_VERSION_KEY)
    assert count_queries(browser, "/") == 1  # no version: counted, and found the same
    assert count_queries(browser, "/") == 0  # kept again under the new version
    add_comments(post, 1, status=Comment.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(Comment.objects.get(status=Comment.Status.PENDING), editor)
    page = browser.get("/").content.decode()
    assert ">3 comments</a>" in page


@pytest.mark.parametrize("url", ["/", "/search/?q=harbour"])
def test_listing_queries_do_not_grow_with_posts_or_comments(client, url):
    def make(n, comments):
        for i in range(n):
            add_comments(PostFactory(title=f"harbour {i}"), comments)

    make(3, 0)
    few = queries(client, url)
    make(20, 10)
    many = queries(client, url)
    assert few == many, f"{url}: {few} queries, then {many}"


def test_the_api_gives_comment_count_in_lists_and_details(api):  # noqa: F811
    post = PostFactory()
    add_comments(post, 2)
    add_comments(post, 5, status=Comment.Status.PENDING)
    PostFactory()

    rows = {row["id"]: row for row in api.get("/api/posts/").json()["results"]}
    assert rows[post.pk]["comment_count"] == 2
    assert [row["comment_count"] for pk, row in rows.items() if pk != post.pk] == [0]
    assert api.get(f"/api/posts/{post.pk}/").json()["comment_count"] == 2
    only = api.get("/api/posts/?fields=id,comment_count").json()["results"]
    assert {tuple(row) for row in only} == {("id", "comment_count")}


def test_api_list_queries_do_not_grow_with_comments(api):  # noqa: F811
    for _ in range(3):
        add_comments(PostFactory(), 0)
    few = queries(api, "/api/posts/?page_size=100")
    for _ in range(30):
        add_comments(PostFactory(), 20)
    many = queries(api, "/api/posts/?page_size=100")
    assert few == many


def test_the_schema_documents_comment_count(api):  # noqa: F811
    schema = api.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["Post"]["properties"]["comment_count"]
    assert field["type"] == "integer" and field["readOnly"] is True
    assert "comment_count" in schema["components"]["schemas"]["Post"]["required"]
