"""Retire cached pages whenever what readers see may have changed."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .cache import invalidate_pages
from .models import Category, Post, Tag


@receiver(post_save, sender=Post)
@receiver(post_delete, sender=Post)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(m2m_changed, sender=Post.tags.through)
def content_changed(**kwargs) -> None:
    # After commit: a rolled-back save changed nothing, and a page rebuilt in between
    # must not cache the old state.
    transaction.on_commit(invalidate_pages)
