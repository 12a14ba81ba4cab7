"""What a save sets off: retired cached pages, go-live side effects of public posts, and
the sync bookkeeping: tombstones for deleted posts (`Post.save` writes those for posts
hidden), and moved markers (`PostQuerySet.touch`) for posts whose tag, category, author's
byline or cover image changed, since each of them is part of the post's representation.

Pages and side effects wait for the commit: a rolled-back save changes nothing, and a
page rebuilt in between must not cache the old state. The side effects go through the
broker; if it is down the save still succeeds and the publish sweep catches up
(see `blog.sweep`).
"""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.tasks import enqueue_on_commit
from pagecache.cache import invalidate_pages

from .models import Category, Post, PostTombstone, Tag, posts_touched
from .sweep import post_announce
from .tasks import announce_post


@receiver(post_save, sender=Post)
@receiver(post_delete, sender=Post)
def post_changed(**kwargs) -> None:
    # A post's kept summary names its version: only the post's own pieces change.
    transaction.on_commit(partial(invalidate_pages, shared=False), robust=True)


@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(m2m_changed, sender=Post.tags.through)
def content_changed(**kwargs) -> None:
    transaction.on_commit(invalidate_pages, robust=True)


@receiver(posts_touched, sender=Post)
def posts_touched_elsewhere(**kwargs) -> None:
    # A byline or a cover changed: pages that show them, lists included, are retired.
    transaction.on_commit(invalidate_pages, robust=True)


@receiver(post_save, sender=Post)
def post_saved(sender, instance: Post, **kwargs) -> None:
    if instance.is_public and instance.announced_at is None:
        enqueue_on_commit(announce_post, instance.pk)


@receiver(pre_delete, sender=Post)
def announce_before_delete(sender, instance: Post, **kwargs) -> None:
    """A post live by the clock but not yet announced is announced before it goes."""
    if instance.is_public and instance.announced_at is None:
        post_announce(post_id=instance.pk)


@receiver(post_delete, sender=Post)
def post_deleted(sender, instance: Post, **kwargs) -> None:
    """Leave a `deleted` tombstone for a post readers could ever see: public now, or
    public once (its `unpublished` tombstone becomes `deleted`, keeping the slug readers
    saw rather than one it was given while hidden)."""
    if instance.is_public:
        slug = instance.slug
    else:
        hidden = PostTombstone.objects.filter(post_id=instance.pk).first()
        if hidden is None and instance.first_public_at is None:
            return  # never public: nothing any mirror could hold
        slug = hidden.slug if hidden else instance.slug
    PostTombstone.record(post_id=instance.pk, slug=slug, reason=PostTombstone.Reason.DELETED)


@receiver(post_save, sender=Category)
def category_saved(sender, instance: Category, created: bool, **kwargs) -> None:
    """Posts show their category's name, slug and description: their marker moves."""
    if not created and not kwargs.get("raw"):
        Post.objects.filter(category=instance).touch()


@receiver(post_save, sender=Tag)
def tag_saved(sender, instance: Tag, created: bool, **kwargs) -> None:
    """Posts show their tags' names and slugs: their marker moves."""
    if not created and not kwargs.get("raw"):
        Post.objects.filter(tags=instance).touch()


@receiver(pre_delete, sender=Category)
@receiver(pre_delete, sender=Tag)
def filing_deleted(sender, instance: Category | Tag, **kwargs) -> None:
    """The posts filed under it lose it (set null, or the tag link goes): markers move."""
    related = {"category": instance} if sender is Category else {"tags": instance}
    Post.objects.filter(**related).touch()


@receiver(m2m_changed, sender=Post.tags.through)
def tags_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    """A post's tags changed, from the post (`post.tags.set`) or from a tag."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        # The save that goes with it (admin, API) sends the webhook; this moves the marker
        # past the link change, and the copy in hand with it (a 201 shows its version).
        instance.updated_at = timezone.now()
        Post.objects.filter(pk=instance.pk).update(updated_at=instance.updated_at)
    elif action == "post_clear":
        return  # tag.posts.clear(): pre_clear would know the posts; nothing uses it
    else:
        Post.objects.filter(pk__in=pk_set or ()).touch()


BYLINE_FIELDS = ("display_name", "first_name", "last_name", "username")  # `public_name`


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def byline_before(sender, instance, update_fields=None, **kwargs) -> None:
    """Posts show their author's `public_name`: note it before a save that may change it
    (a login's `last_login` save never can, and costs nothing)."""
    instance.byline_was = None
    if instance.pk and (update_fields is None or set(update_fields) & set(BYLINE_FIELDS)):
        stored = sender.objects.filter(pk=instance.pk).first()
        instance.byline_was = stored.public_name if stored else None


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def byline_after(sender, instance, created: bool, **kwargs) -> None:
    was = getattr(instance, "byline_was", None)
    if not created and was is not None and was != instance.public_name:
        Post.objects.filter(author=instance).touch()


# The image library by name: blog imports nothing of `images` (docs/architecture).
@receiver(post_save, sender="images.Image")
def cover_saved(sender, instance, created: bool, **kwargs) -> None:
    """Posts show their cover's URL, alt text and size: their marker moves."""
    if not created and not kwargs.get("raw"):
        Post.objects.filter(cover_image=instance).touch()


@receiver(pre_delete, sender="images.Image")
def cover_deleted(sender, instance, **kwargs) -> None:
    """Its posts lose their cover (set null): their marker moves."""
    Post.objects.filter(cover_image=instance).touch()
