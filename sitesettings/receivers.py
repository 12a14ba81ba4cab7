"""Saving the settings or a menu item retires the cached values and every cached page.

Generic `post_save` receivers are right here: these rows have no service and no bulk
path, and every write (admin, shell, a data migration) must retire the cache.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from pagecache.cache import invalidate_pages

from .models import MenuItem, SiteSettings


@receiver(post_save, sender=MenuItem)
@receiver(post_delete, sender=MenuItem)
def note_menu_items(sender: Any, **kwargs: Any) -> None:
    """Keep `SiteSettings.has_menu_items` true while any item exists."""
    SiteSettings.objects.filter(pk=1).update(has_menu_items=MenuItem.objects.exists())


@receiver(post_save, sender=SiteSettings)
@receiver(post_delete, sender=SiteSettings)
@receiver(post_save, sender=MenuItem)
@receiver(post_delete, sender=MenuItem)
def retire_site_values(sender: Any, **kwargs: Any) -> None:
    """Bump both page-cache generations once the write is committed: the cached values
    (`loading`), pages, counts and fragments (every summary shows the site's name)."""
    transaction.on_commit(invalidate_pages, robust=True)
