"""Cached pieces of reader pages (blog/fragments.py): a page the page cache cannot answer
reuses them, and they never outlive what they show.

The page cache is off in these tests: every request renders its page, from kept pieces
where there are any.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_redis import get_redis_connection
from markupsafe import escape

from blog.services import post_delete, post_update
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_post_page_from_kept_pieces_makes_no_query_and_is_the_same_page(
    client, django_assert_num_queries
):
    category = CategoryFactory()
    tags = [TagFactory(), TagFactory()]
    older = PostFactory(category=category, tags=tags, published_at=timezone.now() - timedelta(2))
    post = PostFactory(category=category, tags=tags, published_at=timezone.now() - timedelta(1))
    first = html(client, post.get_absolute_url())
    with django_assert_num_queries(0):  # who may see it is decided from the kept row
        again = html(client, post.get_absolute_url())
    assert again == first
    assert f'rel="prev" href="{older.get_absolute_url()}"' in again
    assert 'class="related"' in again and "application/ld+json" in again
    assert client.get("/posts/no-such-post/").status_code == 404


def test_a_kept_listing_page_makes_no_query_and_is_the_same_page(client, django_assert_num_queries):
    for _ in range(12):
        PostFactory(tags=[TagFactory()], category=CategoryFactory())
    first = html(client, "/")
    # Its posts, count, summaries and menu are kept, with the comment counts' version
    # (`blog.extras`): while it holds, the counts are not read again.
    with django_assert_num_queries(0):
        again = html(client, "/")
    assert again == first
    assert again.count('<article class="post-summary">') == 10
    # Page 2 keeps its own posts: not the first page's again.
    second = html(client, "/?page=2")
    assert second.count('<article class="post-summary">') == 2
    assert not set(re.findall(r'<h2><a href="([^"]+)"', second)) & set(
        re.findall(r'<h2><a href="([^"]+)"', first)
    )
    # Each page's links to the pages around it are kept with its entries.
    assert "Page 1 of 2" in again and 'rel="next" href="?page=2"' in again
    assert 'rel="prev"' not in again.split('class="pagination"')[1]
    assert "Page 2 of 2" in second and 'rel="prev" href="?page=1"' in second
    assert html(client, "/?page=2") == second


def test_a_publish_retires_the_kept_links_between_pages(client, django_capture_on_commit_callbacks):
    posts = PostFactory.create_batch(10)
    assert 'class="pagination"' not in html(client, "/")  # one page: no links
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()
    assert "Page 1 of 2" in html(client, "/") and "Page 2 of 2" in html(client, "/?page=last")
    with django_capture_on_commit_callbacks(execute=True):
        for post in posts[:2]:
            post_delete(post=post)
    assert 'class="pagination"' not in html(client, "/")


def _cache_reads() -> int:
    """Reads the cache's Redis server has answered so far (its own count: INFO)."""
    stats = get_redis_connection("default").info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget"))


@pytest.mark.redis  # counts the commands Redis answered (INFO commandstats)
@pytest.mark.parametrize("page", ["/", "/?page=2", "/?page=last", "post"])
def test_a_cached_page_is_one_round_trip_to_the_cache(
    client, page, django_capture_on_commit_callbacks
):
    posts = [PostFactory(category=CategoryFactory()) for _ in range(12)]
    url = posts[0].get_absolute_url() if page == "post" else page
    first = html(client, url)
    before = _cache_reads()
    assert html(client, url) == first
    assert _cache_reads() - before == 1  # the count, entries and menu (or pieces): one MGET
    assert html(client, url) == first
    assert _cache_reads() - before == 2
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(title="Breaking")  # a save: the next request reads what it retired
    assert "Breaking" in html(client, "/") and _cache_reads() - before > 1


def test_a_kept_archive_page_reads_only_its_archive(client, django_assert_num_queries):
    category = CategoryFactory(name="Harbour", slug="harbour")
    for _ in range(3):
        PostFactory(category=category)
    first = html(client, "/category/harbour/")
    # the category itself (a 404 for an unknown one); nothing else
    with django_assert_num_queries(1):
        assert html(client, "/category/harbour/") == first


def test_a_save_retires_the_pieces_that_show_it(client, django_capture_on_commit_callbacks):
    post = PostFactory(title="Lamps at dusk")
    assert "Lamps at dusk" in html(client, "/")
    assert "Lamps at dusk" in html(client, post.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        post_update(post=post, data={"title": "Lanterns at dawn"}, user=None)
    for url in ("/", post.get_absolute_url()):
        page = html(client, url)
        assert "Lanterns at dawn" in page and "Lamps at dusk" not in page


def test_a_scheduled_neighbour_appears_on_time_without_a_save(client):
    now = timezone.now()
    post = PostFactory(published_at=now - timedelta(hours=1))
    # Sooner than pieces are kept at most (pagecache.counts.REMEMBER_SECONDS): only the go-live
    # itself can retire them in time.
    later = PostFactory(title="Tomorrow's news", published_at=now + timedelta(seconds=60))
    assert 'rel="next"' not in html(client, post.get_absolute_url())
    assert "Tomorrow's news" not in html(client, "/")
    assert client.get(later.get_absolute_url()).status_code == 404
    with time_machine.travel(now + timedelta(seconds=90)):
        assert escape("Tomorrow's news") in html(client, later.get_absolute_url())
        page = html(client, post.get_absolute_url())
        assert f'rel="next" href="{later.get_absolute_url()}"' in page
        assert escape("Tomorrow's news") in html(client, "/")


def test_a_preview_is_never_kept_for_readers(client, client_for):
    draft = PostFactory(status="draft", title="Not yet")
    editor = client_for(EditorFactory())
    assert "preview-banner" in html(editor, draft.get_absolute_url())
    editor.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404
    draft.status = "published"
    draft.published_at = timezone.now()
    draft.save()  # no commit callbacks here: nothing retires pieces, none may exist
    assert "preview-banner" not in html(client, draft.get_absolute_url())


def test_a_publish_renders_only_the_new_posts_summary(client, django_capture_on_commit_callbacks):
    category, tag = CategoryFactory(), TagFactory()
    for _ in range(5):
        PostFactory(category=category, tags=[tag])
    html(client, "/")
    with django_capture_on_commit_callbacks(execute=True):  # filed as the others are
        new = PostFactory(title="Fresh off the press", category=category)
    with CaptureQueriesContext(connection) as queries:
        page = html(client, "/")
    assert "Fresh off the press" in page and page.count('<article class="post-summary">') == 6
    rows = [q["sql"] for q in queries if '"blog_post"."id" IN' in q["sql"]]
    assert len(rows) == 1 and f"IN ({new.pk})" in rows[0], rows  # the other five were kept


def test_a_renamed_tag_or_a_changed_tag_list_shows_in_every_summary(
    client, django_capture_on_commit_callbacks
):
    tag = TagFactory(name="lamps")
    post = PostFactory(tags=[tag])
    assert "#lamps" in html(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        tag.name = "lanterns"
        tag.save()
    assert "#lanterns" in html(client, "/") and "#lamps" not in html(client, "/")
    with django_capture_on_commit_callbacks(execute=True):
        tags = [tag, TagFactory(name="wicks")]
        post_update(post=post, data={"tags": tags}, user=None)  # the tag list changed
    assert "#wicks" in html(client, "/")
