"""The post page costs the same queries with 0, 10 or 200 comments (issue 32)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.policy import policy
from core.sitevalues import forget as forget_site_values
from tests.comments.conftest import create_member, sign_in
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

# Anonymous, page built from scratch (nothing cached): the post page's own (who may see
# it, post, tags, byline, previous, next, related, menu, next scheduled change, site
# settings) and the thread's two: its post with its discussion mode, and its comments.
# The site's comment rules are read from the cache (kept there by the first reader).
ANONYMOUS = 12
# A signed-in member, page built from scratch: the session and the member, the same
# page (never served from the page cache), and their own thread (its post, its comments)
# rendered for them beside the anonymous one kept for others.
MEMBER = ANONYMOUS + 4
# A signed-in member, the page's pieces kept (as after any reader): the session, the
# member, and their thread's two.
MEMBER_KEPT = 4


def with_comments(post, count: int) -> None:
    members = [create_member(f"m{i}@example.org", f"M{i}") for i in range(5)]
    now = timezone.now()
    tops = Comment.objects.bulk_create(
        Comment(
            post=post,
            member=members[i % 5],
            author_name=members[i % 5].name,
            body=f"c{i}",
            body_html=f"<p>c{i}</p>",
            status=Comment.Status.APPROVED,
            created_at=now,
        )
        for i in range(count // 2)
    )
    Comment.objects.bulk_create(
        Comment(
            post=post,
            parent=tops[i % len(tops)],
            member=members[i % 5],
            author_name=members[i % 5].name,
            body=f"r{i}",
            body_html=f"<p>r{i}</p>",
            status=Comment.Status.APPROVED,
            created_at=now,
        )
        for i in range(count - count // 2)
    )


def built(client, post, django_assert_num_queries, expected: int, *, kept=False) -> str:
    cache.clear()
    forget_site_values()
    policy()  # kept in the cache, as after any first reader
    if kept:
        assert Client().get(post.get_absolute_url()).status_code == 200
    with django_assert_num_queries(expected):
        response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("count", [0, 10, 200])
def test_anonymous_post_page_queries_do_not_grow(count, django_assert_num_queries):
    post = PostFactory()
    with_comments(post, count)
    html = built(Client(), post, django_assert_num_queries, ANONYMOUS)
    assert len(re.findall(r'<div class="comment[ "][^>]*id="comment-\d+"', html)) == count


@pytest.mark.parametrize("count", [0, 10, 200])
def test_member_post_page_queries_do_not_grow(count, django_assert_num_queries):
    post = PostFactory()
    with_comments(post, count)
    client = sign_in(Client(), create_member("reader@example.org", "Reader"))
    html = built(client, post, django_assert_num_queries, MEMBER)
    assert len(re.findall(r'<div class="comment[ "][^>]*id="comment-\d+"', html)) == count
    html = built(client, post, django_assert_num_queries, MEMBER_KEPT, kept=True)
    assert html.count('class="comment-reply"') == count // 2  # a reply form per top comment


def test_a_cached_post_page_with_comments_makes_no_query(django_assert_num_queries):
    post = PostFactory()
    with_comments(post, 10)
    client = Client()
    assert client.get(post.get_absolute_url())["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        assert client.get(post.get_absolute_url())["X-Page-Cache"] == "hit"
