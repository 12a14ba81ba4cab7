"""Deep pages through the deferred join show exactly what Django's Paginator shows."""

import pytest
from django.core.paginator import Paginator

from blog.models import Post
from blog.paginator import DeferredJoinPaginator
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
    # Keys, rows (with author and category), tags: three queries whatever the page size.
    with django_assert_max_num_queries(3):
        page = deferred.page(2)
        tags = [[tag.name for tag in post.tags.all()] for post in page.object_list]
        authors = [post.author.username for post in page.object_list]
    assert len(tags) == len(authors) == 10 and all(len(names) == 2 for names in tags)
