"""List requests make a constant number of queries, whatever the number of posts."""

import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.services import post_publish
from images.services import image_create
from tests.factories import CategoryFactory, PostFactory, TagFactory
from tests.images import samples

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    cache.clear()  # as built: counts kept until the content changes are not in the cache
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/posts/",
        "/api/posts/published/",
        "/api/posts/?search=harbour&tag=t",
        "/api/authors/",
        "/api/categories/",
        "/api/tags/",
    ],
)
def test_list_queries_constant_for_5_and_50_posts(api_as, editor, url):
    client = api_as(editor)  # sees everything, drafts included
    category, tags = CategoryFactory(), [TagFactory(slug="t"), TagFactory()]

    def add(n):
        for i in range(n):
            PostFactory(title=f"harbour {i}", category=category, tags=tags, draft=i % 3 == 0)

    add(5)
    five = queries(client, url + ("&" if "?" in url else "?") + "page_size=100")
    add(45)
    fifty = queries(client, url + ("&" if "?" in url else "?") + "page_size=100")
    assert five == fifty, f"{url}: {five} queries for 5 posts, {fifty} for 50"
    # user and their permissions (3), count, page, tags, authors, last change; `?tag=`
    # looks its tags' ids up first (blog/api/filters.py: so PostgreSQL knows how big the
    # tag is)
    # posts: one more for the page's comment counts (`blog.extras`, issue 32)
    posts = url.startswith("/api/posts/")
    assert fifty <= (9 if "tag=" in url else 8) + posts


def test_anonymous_list_query_count(api, django_assert_max_num_queries):
    for _ in range(30):
        PostFactory(tags=[TagFactory()])
    # count, page, tags, authors, last change (Last-Modified); and on a cache miss, when
    # the next scheduled change (a go-live or an expiry) comes
    with django_assert_max_num_queries(7):  # + the page's comment counts (issue 32)
        assert api.get("/api/posts/").status_code == 200


def test_anonymous_reads_are_cached_but_never_token_or_session_reads(
    api, api_as, author, client_for, django_assert_num_queries, django_capture_on_commit_callbacks
):
    draft = PostFactory(author=author, draft=True, title="Mine only")
    PostFactory(title="Everyone's")
    assert api.get("/api/posts/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = api.get("/api/posts/")
    assert response["X-Page-Cache"] == "hit" and "Authorization" in response["Vary"]
    with_token = api_as(author).get("/api/posts/")
    assert "X-Page-Cache" not in with_token and "Mine only" in with_token.content.decode()
    with_session = client_for(author).get("/api/posts/")
    assert "X-Page-Cache" not in with_session and "Mine only" in with_session.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        post_publish(post=draft, user=None)
    assert "Mine only" in api.get("/api/posts/").content.decode()


@pytest.mark.parametrize("query", ["?category=news", "?category=news,nope", "?category=nope"])
def test_category_filter_query_count(api, django_assert_max_num_queries, query):
    news = CategoryFactory(slug="news")
    for _ in range(30):
        PostFactory(category=news, tags=[TagFactory()])
    # the categories' ids first (blog/api/filters.py), then as any list: count, page,
    # tags, authors, last change, and on a cache miss the next scheduled change
    with django_assert_max_num_queries(8):  # + the page's comment counts (issue 32)
        assert api.get("/api/posts/" + query + "&page_size=100").status_code == 200


def test_a_100_post_page_query_count(api, django_assert_max_num_queries):
    """The tags and the authors come prefetched (`Post.objects.for_api()`), never per
    post, covers included (their renditions are not read by the API)."""
    upload = io.BytesIO(samples.encoded("JPEG", (64, 48)))
    cover = image_create(upload=upload, uploaded_by=PostFactory().author, alt_text="")
    for _ in range(110):
        PostFactory(tags=[TagFactory(), TagFactory()], cover_image=cover)
    with django_assert_max_num_queries(7):  # + the page's comment counts (issue 32)
        response = api.get("/api/posts/?page_size=100")
    assert response.status_code == 200 and len(response.json()["results"]) == 100
    assert all(len(row["tags"]) == 2 and row["cover_image"] for row in response.json()["results"])
