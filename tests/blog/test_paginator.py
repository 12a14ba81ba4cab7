"""Deep pages through the deferred join (and from the far end) show exactly what Django's
Paginator shows; a named count is kept until the content or the clock changes it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.paginator import Paginator

from blog.models import Post
from pagecache.paginator import DeferredJoinPaginator, _total_order
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    tags = [TagFactory(), TagFactory()]
    for i in range(23):
        PostFactory(title=f"Post {i}", tags=tags)
    return Post.objects.public().for_listing()


def titles(page) -> list[str]:
    return [post.title for post in page.object_list]


def test_every_page_matches_djangos(listing):
    plain = Paginator(listing, 5, orphans=3)
    deferred = DeferredJoinPaginator(listing, 5, orphans=3)
    deferred.deep_offset = 0  # every page through the deferred join
    assert deferred.num_pages == plain.num_pages == 4
    for number in plain.page_range:
        assert titles(deferred.page(number)) == titles(plain.page(number))
    assert deferred.page(deferred.num_pages).has_next() is False


def test_a_deep_page_keeps_its_relations_in_constant_queries(
    listing, django_assert_max_num_queries
):
    deferred = DeferredJoinPaginator(listing, 10)
    deferred.deep_offset = 0
    deferred.count  # noqa: B018 - counted once per request, like Django's Paginator
    # Keys, rows (with author and category), tags, bylines: four whatever the page size.
    with django_assert_max_num_queries(4):
        page = deferred.page(2)
        tags = [[tag.name for tag in post.tags.all()] for post in page.object_list]
        authors = [post.author.username for post in page.object_list]
    assert len(tags) == len(authors) == 10 and all(len(names) == 2 for names in tags)


def test_pages_of_rows_without_models_match_djangos():
    # The sitemap's (slug, updated_at) tuples: deep pages by key, later ones from the end.
    for i in range(23):
        PostFactory(title=f"Post {i}")
    rows = Post.objects.public().order_by("-published_at", "-id").values_list("slug", "updated_at")
    plain, deferred = Paginator(rows, 5), DeferredJoinPaginator(rows, 5)
    deferred.deep_offset = 0
    for number in plain.page_range:
        assert list(deferred.page(number)) == list(plain.page(number))


def test_a_named_count_is_kept_until_the_content_changes(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    PostFactory.create_batch(3)

    def count() -> int:
        return DeferredJoinPaginator(Post.objects.public(), 10, count_key="all").count

    assert count() == 3
    with django_assert_num_queries(0):
        assert count() == 3  # kept: no query
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()  # a save retires every kept count (pagecache.cache.invalidate_pages)
    assert count() == 4


def test_a_kept_count_takes_in_a_scheduled_post_on_time(django_assert_num_queries):
    """No save, no sweep: the clock alone makes a scheduled post count, as it makes it show."""
    PostFactory()
    scheduled = PostFactory(scheduled=True)

    def count() -> int:
        return DeferredJoinPaginator(Post.objects.public(), 10, count_key="all").count

    assert count() == 1
    with django_assert_num_queries(0):
        assert count() == 1
    with time_machine.travel(scheduled.published_at + timedelta(seconds=1), tick=False):
        assert count() == 2


def test_the_paginator_still_reads_which_orderings_reverse_exactly():
    """docs/decisions/0010-queryset-ordering.md: with no public accessor for a queryset's
    ordering, `pagecache.paginator` reads `Query.order_by` and `Query.default_ordering`. A
    Django upgrade that renames them fails here (the paginator would quietly stop reading
    deep pages from the end)."""
    by_date = Post.objects.order_by("-published_at", "-id")
    assert by_date.query.order_by == ("-published_at", "-id")
    assert Post.objects.all().query.default_ordering is True
    assert Post.objects.order_by().query.default_ordering is False
    assert _total_order(by_date) and _total_order(Post.objects.order_by("title", "pk"))
    assert not _total_order(Post.objects.order_by("-published_at"))
    assert _total_order(Post.objects.public().for_listing())  # the reader pages' lists
