"""What a save sets off: retired cached pages, and go-live side effects of public posts.

Both wait for the commit: a rolled-back save changes nothing, and a page rebuilt in
between must not cache the old state. The side effects go through the broker; if it is
down the save still succeeds and the publish sweep catches up (see `blog.sweep`).
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .cache import invalidate_pages
from .models import Category, Post, PostTombstone, Tag
from .tasks import announce_post, enqueue_on_commit


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


@receiver(post_save, sender=Post)
def post_saved(sender, instance: Post, **kwargs) -> None:
    if instance.is_public and instance.announced_at is None:
        enqueue_on_commit(announce_post, instance.pk)


@receiver(post_delete, sender=Post)
def post_deleted(sender, instance: Post, **kwargs) -> None:
    """Leave a tombstone for syncing clients when a post readers could see is deleted."""
    if instance.is_public:
        PostTombstone.objects.update_or_create(
            post_id=instance.pk, defaults={"slug": instance.slug, "deleted_at": timezone.now()}
        )
