"""A revision for saves made outside the admin and the API (shell, tasks, importers).

Admin and API writes run inside a revision block (`editorial.middleware`). Anything else
that saves a post, or changes its tags, gets one revision per post when its transaction
commits, so the revision holds the tags set after the save too.
"""

import threading

import reversion
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from blog.models import Post

_pending = threading.local()


def _flush() -> None:
    ids = getattr(_pending, "ids", set())
    _pending.ids = set()
    for post in Post.objects.filter(pk__in=ids):
        with reversion.create_revision():
            reversion.add_to_revision(post)
            reversion.set_comment("Saved outside the admin and the API")


def _revision_on_commit(post_id: int) -> None:
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    first = not ids
    ids.add(post_id)
    if first:  # in autocommit mode this runs at once, so the id must be in already
        transaction.on_commit(_flush)


@receiver(post_save, sender=Post)
def post_saved(sender, instance: Post, raw: bool = False, **kwargs) -> None:
    if not raw and not reversion.is_active():
        _revision_on_commit(instance.pk)


@receiver(m2m_changed, sender=Post.tags.through)
def tags_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    outside = action.startswith("post_") and not reverse and not reversion.is_active()
    if outside and isinstance(instance, Post):
        _revision_on_commit(instance.pk)
