"""Slugs, states and the visibility rule on the model."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Category, Post, Tag
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


def test_slugs_never_collide():
    author = AuthorFactory()
    posts = [Post.objects.create(title="Same title", body="x", author=author) for _ in range(4)]
    assert [p.slug for p in posts] == ["same-title", "same-title-2", "same-title-3", "same-title-4"]


def test_slug_kept_on_edit_and_given_for_titles_with_nothing_to_spell():
    post = PostFactory(title="Hello")
    post.title = "Hello again"
    post.save()
    assert post.slug == "hello"
    assert PostFactory(title="?!").slug == "post"
    assert PostFactory(title="…").slug == "post-2"


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Привет мир", "privet-mir"),
        ("日本語のタイトル", "ribenyunotaitoru"),
        ("Ελληνικά νέα", "ellinika-nea"),
        ("Straße und Café", "strasse-und-cafe"),
        ("🚀 Launch day 🎉", "launch-day"),  # symbols and emoji dropped, as before
    ],
)
def test_titles_in_any_script_make_readable_slugs(title, slug):
    """Not `post`, `post-2`, … for every Russian or Japanese title: the API, importers and
    the admin's server side spell them in ASCII, as the admin's own slug field does."""
    assert PostFactory(title=title).slug == slug


def test_long_titles_make_bounded_unique_slugs():
    a, b = PostFactory(title="x" * 200), PostFactory(title="x" * 200)
    assert len(a.slug) <= 200 and len(b.slug) <= 200 and a.slug != b.slug


def test_category_and_tag_slugs():
    assert Category.objects.create(name="Deep Dives").slug == "deep-dives"
    assert Tag.objects.create(name="C++").slug == "c"
    assert Tag.objects.create(name="C#").slug == "c-2"


def test_states_and_public_rule():
    now = timezone.now()
    public = PostFactory(published_at=now - timedelta(minutes=1))
    scheduled = PostFactory(published_at=now + timedelta(minutes=1))
    draft = PostFactory(draft=True)
    dated_draft = PostFactory(status=Post.Status.DRAFT, published_at=now - timedelta(days=1))
    assert (public.state, scheduled.state, draft.state) == ("published", "scheduled", "draft")
    assert dated_draft.state == "draft"
    assert list(Post.objects.public()) == [public]
    assert list(Post.objects.scheduled()) == [scheduled]


def test_publishing_without_date_means_now():
    post = PostFactory(status=Post.Status.PUBLISHED, published_at=None)
    assert post.published_at is not None
    assert post.published_at <= timezone.now()


def test_deleting_an_author_never_deletes_posts():
    from django.db.models import ProtectedError

    post = PostFactory()
    with pytest.raises(ProtectedError):
        post.author.delete()
    assert Post.objects.filter(pk=post.pk).exists()


def test_deleting_a_category_keeps_its_posts():
    post = PostFactory()
    post.category.delete()
    post.refresh_from_db()
    assert post.category is None


def test_moving_a_public_post_to_the_future_announces_it_again_later():
    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(announced_at=timezone.now())
    post.refresh_from_db()
    post.published_at = timezone.now() + timedelta(days=1)
    post.save()
    post.refresh_from_db()
    assert post.state == "scheduled" and post.announced_at is None
