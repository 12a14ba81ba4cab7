"""One row per embedded URL, shared by every post that shows it.

Written (empty) in the post write's transaction, filled in once by the worker
(`embeds.services.embed_fetch`): `fetched_at` set means done, for good or with `error`.
Readers' pages only read these rows, one query per page (`embeds.body`).
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import models


class Embed(models.Model):
    url = models.URLField(max_length=2000, unique=True)
    provider = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, blank=True, help_text="oEmbed type")
    title = models.CharField(max_length=300, blank=True)
    author = models.CharField(max_length=200, blank=True)
    # A name in our media storage (re-encoded by images' safe decoding), never a URL of theirs.
    thumbnail = models.CharField(max_length=200, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    # The player, from an allow-listed origin only (CSP frame-src); blank: a link card.
    frame_src = models.URLField(max_length=2000, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def ready(self) -> bool:
        """Fetched without error: shown as a facade (else as the plain link)."""
        return self.fetched_at is not None and not self.error

    @property
    def thumbnail_url(self) -> str:
        return default_storage.url(self.thumbnail) if self.thumbnail else ""
