"""Pages, archives and feeds make the same number of queries for 10 and 50 posts."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sitevalues import forget as forget_site_values
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

URLS = [
    "/",
    "/category/c/",
    "/tag/t/",
    "/author/writer/",
    "/search/?q=harbour",
    "/feed/",
    "/feed/atom/",
    "/category/c/feed/",
    "/sitemap.xml",
    "/sitemap-posts.xml",
    "/sitemap-tags.xml",
]


def make_posts(n, category, tags, authors):
    for i in range(n):
        PostFactory(
            title=f"harbour post {i}",
            category=category,
            tags=tags,
            author=authors[i % len(authors)],
        )


def queries(client, url) -> int:
    cache.clear()  # measure the page as built, not as served from the page cache
    forget_site_values()  # nor with this process's copy of the site settings
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", URLS)
def test_query_count_does_not_grow_with_posts(client, url):
    category = CategoryFactory(name="C", slug="c")
    tags = [TagFactory(name="t", slug="t"), TagFactory(name="u")]
    authors = [AuthorFactory(username="writer"), AuthorFactory()]
    make_posts(10, category, tags, authors)
    with_ten = queries(client, url)
    make_posts(40, category, tags, authors)
    with_fifty = queries(client, url)
    assert with_fifty == with_ten, f"{url}: {with_ten} queries for 10 posts, {with_fifty} for 50"
    # 8, and the site settings' row; the index counts each section once: one more since
    # pages have a section. Listings: one more for the page's comment counts, one grouped
    # query (`blog.extras`). Who has an author page is one aggregate kept until the content
    # changes (`blog.selectors.public_authors`): one more when it is not kept, as here.
    listing = url in ("/", "/category/c/", "/tag/t/", "/author/writer/", "/search/?q=harbour")
    authors_aggregate = url in ("/author/writer/", "/sitemap.xml")
    assert with_fifty <= (9 + listing + (url == "/sitemap.xml") + authors_aggregate), url


def test_post_page_queries(client, django_assert_max_num_queries):
    post = PostFactory(tags=[TagFactory(), TagFactory()])
    # Nothing kept yet: who may see it, post, tags, authors (the byline), previous, next,
    # related, header categories, the next scheduled change (kept, it is the first alone:
    # tests/readers/test_fragments), the site settings; the comments under it (their post
    # with its discussion, the comments) and the site's comment rules (then cached)
    with django_assert_max_num_queries(13):
        assert client.get(post.get_absolute_url()).status_code == 200


def test_anonymous_page_cache_hit_makes_no_queries(client, django_assert_num_queries):
    PostFactory()
    assert client.get("/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response["X-Page-Cache"] == "hit"
    assert "public" in response["Cache-Control"]


def test_the_category_menu_is_counted_once_per_generation(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 0  # every page rendered: only the kept values are reused

    def menu_queries(queries) -> list[str]:
        return [q["sql"] for q in queries if q["sql"].startswith('SELECT "blog_category"')]

    category = CategoryFactory(name="Harbour")
    PostFactory(category=category)
    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as second:
        client.get("/")
    assert len(menu_queries(first.captured_queries)) == 1
    assert menu_queries(second.captured_queries) == []
    assert 'href="/category/' in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        category.name = "Lighthouse"
        category.save()
    assert ">Lighthouse</a>" in client.get("/").content.decode()  # a save retires it
