"""A preview link: a secret token that shows one post, as readers would see it, to
whoever holds it, until it expires or is revoked.

The token is stored as it is handed out (not hashed): the post form lists the live links
so the writer can copy one again, and whoever may read this table may read the drafts
themselves. It is 43 URL-safe characters (`secrets.token_urlsafe(32)`, 256 bits), so it
cannot be guessed; a lookup is by the unique index.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from blog.models import Post

DEFAULT_DAYS = 7
EXPIRY_CHOICES = [(1, "1 day"), (3, "3 days"), (7, "7 days"), (14, "14 days"), (30, "30 days")]
MAX_LIVE_LINKS = 20  # per post: a bound on what one form lists and one writer hands out


def new_token() -> str:
    return secrets.token_urlsafe(32)


class PreviewLinkQuerySet(models.QuerySet):
    def live(self, now=None) -> PreviewLinkQuerySet:
        """Links that still open their post: not revoked, not expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class PreviewLink(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Preview link to “{self.post}” (until {self.expires_at:%Y-%m-%d %H:%M})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def expiry_for(days: int) -> datetime:
        return timezone.now() + timedelta(days=days)


class PreviewFeedback(models.Model):
    """What someone who opened a preview link wrote back; shown to the writer in the post
    form's "Preview links" box, newest first."""

    link = models.ForeignKey(PreviewLink, on_delete=models.CASCADE, related_name="feedback")
    name = models.CharField(max_length=80, blank=True)
    message = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Feedback on preview link {self.link_id} by {self.name or 'someone'}"
