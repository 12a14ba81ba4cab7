"""Anonymous readers keep getting the cached post page; a comment approved, edited or
removed shows on the next request to the app, without retiring any other cached page
(docs/comments.md: the bound)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone

from blog.fragments import page_piece_key
from comments import services
from comments.models import Discussion
from comments.thread import PIECE
from pagecache.cache import GENERATION_KEY
from pagecache.counts import read_cached
from tests.comments.conftest import create_member
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def get(url):
    response = Client().get(url)
    assert response.status_code == 200
    return response


@pytest.fixture
def pages():
    post = PostFactory(title="Harbour lights")
    other = PostFactory(title="Other news")
    for url in ("/", post.get_absolute_url(), other.get_absolute_url()):
        assert get(url)["X-Page-Cache"] == "miss"
        assert get(url)["X-Page-Cache"] == "hit"
    return post, other


def test_an_approved_comment_shows_at_once_and_no_other_page_is_retired(
    pages, editor, django_capture_on_commit_callbacks
):
    post, other = pages
    generation = cache.get(GENERATION_KEY)
    comment = services.post_comment(post=post, member=create_member(), body="Fresh words")
    assert comment.status == "pending"
    assert "Fresh words" not in get(post.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment, editor)
    response = get(post.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"  # this page's entry alone was forgotten
    assert "Fresh words" in response.content.decode()
    assert get(post.get_absolute_url())["X-Page-Cache"] == "hit"
    # The home page and the other post are still served from their cached entries.
    assert get("/")["X-Page-Cache"] == "hit"
    assert get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    assert cache.get(GENERATION_KEY) == generation


def test_a_removed_comment_leaves_at_once(
    pages, editor, trusting, django_capture_on_commit_callbacks
):
    post, _ = pages
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(post=post, member=create_member(), body="Rude words")
    assert "Rude words" in get(post.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove(comment, editor)
    assert "Rude words" not in get(post.get_absolute_url()).content.decode()
    assert get("/")["X-Page-Cache"] == "hit"


def test_an_edit_shows_at_once(pages, trusting, django_capture_on_commit_callbacks):
    post, _ = pages
    member = create_member()
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.post_comment(post=post, member=member, body="First draft")
    assert "First draft" in get(post.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(comment, member, "Second draft")
    assert "Second draft" in get(post.get_absolute_url()).content.decode()


def test_a_closed_discussion_shows_at_once(pages, django_capture_on_commit_callbacks):
    post, _ = pages
    assert "Sign in to comment" in get(post.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        Discussion.objects.create(post=post, mode=Discussion.Mode.CLOSED)
    assert "Comments are closed." in get(post.get_absolute_url()).content.decode()
    assert get("/")["X-Page-Cache"] == "hit"


def test_another_address_of_the_page_shows_it_within_the_page_cache_lifetime(
    pages, editor, settings, django_capture_on_commit_callbacks
):
    """`?page=2` (any declared parameter) is an entry of its own, not forgotten: it
    expires with the page cache's lifetime, the documented bound."""
    post, _ = pages
    url = post.get_absolute_url() + "?page=2"
    assert get(url)["X-Page-Cache"] == "miss"
    comment = services.post_comment(post=post, member=create_member(), body="Late words")
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(comment, editor)
    assert "Late words" not in get(url).content.decode()
    later = timezone.now() + timedelta(seconds=settings.PAGE_CACHE_SECONDS + 1)
    with time_machine.travel(later):
        assert "Late words" in get(url).content.decode()


def test_a_thread_read_before_an_approval_and_kept_after_it_is_never_shown(
    editor, settings, django_capture_on_commit_callbacks
):
    """The race: a reader's page build reads the comments just before the approval
    commits, and keeps its thread just after the approval forgot the kept one. Replayed
    through the real page: the approval commits while the thread's template renders."""
    settings.PAGE_CACHE_SECONDS = 0  # the page built from its kept pieces every time
    post = PostFactory(title="Harbour lights")
    comment = services.post_comment(post=post, member=create_member(), body="Fresh words")
    approved = []

    def approve_meanwhile(sender, template, **kwargs):
        if template.name == "comments/_thread.html" and not approved:
            approved.append(comment.pk)  # the comments are read: now the approval commits
            with django_capture_on_commit_callbacks(execute=True):
                services.approve(comment, editor)

    template_rendered.connect(approve_meanwhile, dispatch_uid="test-approve-meanwhile")
    try:
        raced = get(post.get_absolute_url()).content.decode()
    finally:
        template_rendered.disconnect(dispatch_uid="test-approve-meanwhile")
    assert approved and "Fresh words" not in raced  # it read the thread before the commit
    key = page_piece_key(PIECE, post.slug)
    assert key in read_cached([key]).values  # and kept it after the approval's forget

    assert "Fresh words" in get(post.get_absolute_url()).content.decode()  # never shown
    assert "Fresh words" in get(post.get_absolute_url()).content.decode()  # kept anew
