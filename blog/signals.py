"""What a write sets off in blog itself: retired cached pages, go-live side effects of
public posts, and the sync bookkeeping: tombstones for posts that left public view, and
moved markers (`PostQuerySet.touch`) for posts whose tag, category, author's byline or
cover image changed, since each of them is part of the post's representation.

A post's own writes reach this module as domain events (`blog.events`, sent by
`blog.services`), never as `post_save`: a bulk import sends them too, and a save costs
no query here. Categories, tags, users and images have no service of their own yet, so
their saves are still heard through Django's model signals (below the post events).

Pages and side effects wait for the commit: a rolled-back write changes nothing, and a
page rebuilt in between must not cache the old state. The side effects go through the
broker; if it is down the write still succeeds and the publish sweep catches up
(see `blog.sweep`). Tombstones are rows: written inside the write's transaction.
"""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from core.tasks import enqueue_on_commit
from pagecache.cache import invalidate_pages

from .events import (
    post_created,
    post_deleted,
    post_expired,
    post_published,
    post_unpublished,
    post_updated,
    posts_touched,
)
from .models import Category, Post, PostSnapshot, PostTombstone, Tag
from .tasks import announce_post


@receiver(post_created, sender=Post)
@receiver(post_updated, sender=Post)
@receiver(post_deleted, sender=Post)
def posts_written(tags_changed: bool = False, **kwargs) -> None:
    # A post's kept summary names its version: only the posts' own pieces change, unless
    # their tags did (a new tag shows in lists of tags).
    transaction.on_commit(partial(invalidate_pages, shared=tags_changed), robust=True)


@receiver(post_published, sender=Post)
def posts_published(posts: list[Post], **kwargs) -> None:
    """Public now: their go-live side effects run in the worker, after the commit."""
    for post in posts:
        if post.announced_at is None:
            enqueue_on_commit(announce_post, post.pk)


@receiver(post_unpublished, sender=Post)
def posts_unpublished(posts: list[Post], before: dict[int, PostSnapshot], **kwargs) -> None:
    """Left public view: mirrors must drop them, under the slug readers saw."""
    for post in posts:
        if post.at_site_root:
            continue  # a page: no mirror of posts ever held it (/api/posts/ lists posts)
        left = PostTombstone.Reason.UNPUBLISHED
        PostTombstone.record(post_id=post.pk, slug=before[post.pk].slug, reason=left)


@receiver(post_expired, sender=Post)
def posts_expired(post_ids: list[int], **kwargs) -> None:
    """Left public view at their expiry: mirrors drop them (the sweep retired pages)."""
    for post_id, slug, expires_at in Post.all_kinds.filter(pk__in=post_ids).values_list(
        "pk", "slug", "expires_at"
    ):
        reason = PostTombstone.Reason.EXPIRED
        PostTombstone.record(post_id=post_id, slug=slug, reason=reason, at=expires_at)


@receiver(post_deleted, sender=Post)
def posts_deleted(posts: list[PostSnapshot], **kwargs) -> None:
    """Leave a `deleted` tombstone for a post readers could ever see: public now, or
    public once (its `unpublished` tombstone becomes `deleted`, keeping the slug readers
    saw rather than one it was given while hidden)."""
    for post in posts:
        if post.kind == Post.Kind.PAGE:
            continue  # a page: no mirror of posts ever held it
        if post.is_public:
            slug = post.slug
        else:
            hidden = PostTombstone.objects.filter(post_id=post.id).first()
            if hidden is None and post.first_public_at is None:
                continue  # never public: nothing any mirror could hold
            slug = hidden.slug if hidden else post.slug
        PostTombstone.record(post_id=post.id, slug=slug, reason=PostTombstone.Reason.DELETED)


# --- what posts show, changed elsewhere --------------------------------------------------


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def content_changed(**kwargs) -> None:
    transaction.on_commit(invalidate_pages, robust=True)


@receiver(posts_touched, sender=Post)
def posts_touched_elsewhere(**kwargs) -> None:
    # A byline or a cover changed: pages that show them, lists included, are retired.
    transaction.on_commit(invalidate_pages, robust=True)


@receiver(post_save, sender=Category)
def category_saved(sender, instance: Category, created: bool, **kwargs) -> None:
    """Posts show their category's name, slug and description: their marker moves."""
    if not created and not kwargs.get("raw"):
        Post.all_kinds.filter(category=instance).touch()


@receiver(post_save, sender=Tag)
def tag_saved(sender, instance: Tag, created: bool, **kwargs) -> None:
    """Posts show their tags' names and slugs: their marker moves."""
    if not created and not kwargs.get("raw"):
        Post.all_kinds.filter(tags=instance).touch()


@receiver(pre_delete, sender=Category)
@receiver(pre_delete, sender=Tag)
def filing_deleted(sender, instance: Category | Tag, **kwargs) -> None:
    """The posts filed under it lose it (set null, or the tag link goes): markers move."""
    related = {"category": instance} if sender is Category else {"tags": instance}
    Post.all_kinds.filter(**related).touch()


@receiver(m2m_changed, sender=Post.tags.through)
def tag_links_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """Posts linked to or unlinked from a tag from the tag's side (`tag.posts.add`): their
    markers move. From the post's side it is a post write (`blog.services` sets tags as
    part of `post_create` / `post_update`, which move the version themselves)."""
    if reverse and action in ("post_add", "post_remove"):
        Post.all_kinds.filter(pk__in=pk_set or ()).touch()


# `public_name` and the author card's bio and avatar.
BYLINE_FIELDS = ("display_name", "first_name", "last_name", "username", "bio", "avatar")


def _byline(user) -> tuple[str, str, str]:
    return (user.public_name, user.bio, str(user.avatar))


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def byline_before(sender, instance, update_fields=None, **kwargs) -> None:
    """Posts show their authors' `public_name`, bio and avatar: note them before a save
    that may change them (a login's `last_login` save never can, and costs nothing)."""
    instance.byline_was = None
    if instance.pk and (update_fields is None or set(update_fields) & set(BYLINE_FIELDS)):
        stored = sender.objects.filter(pk=instance.pk).first()
        instance.byline_was = _byline(stored) if stored else None


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def byline_after(sender, instance, created: bool, **kwargs) -> None:
    was = getattr(instance, "byline_was", None)
    if not created and was is not None and was != _byline(instance):
        Post.all_kinds.by_author(instance).touch()


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def byline_deleted(sender, instance, **kwargs) -> None:
    """A co-author deleted leaves the bylines of their posts (the rows cascade; a lead
    author cannot be deleted): those posts' markers move."""
    Post.all_kinds.by_author(instance).touch()


# The image library by name: blog imports nothing of `images` (docs/architecture).
@receiver(post_save, sender="images.Image")
def cover_saved(sender, instance, created: bool, **kwargs) -> None:
    """Posts show their cover's (and social image's) URL, alt text and size: their
    marker moves."""
    if not created and not kwargs.get("raw"):
        Post.all_kinds.filter(Q(cover_image=instance) | Q(social_image=instance)).touch()


@receiver(pre_delete, sender="images.Image")
def cover_deleted(sender, instance, **kwargs) -> None:
    """Its posts lose their cover or social image (set null): their marker moves."""
    Post.all_kinds.filter(Q(cover_image=instance) | Q(social_image=instance)).touch()
