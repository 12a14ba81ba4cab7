"""Autosaves: what a writer typed and has not saved yet, one row per post and writer.

Kept apart from the post and its revisions (not a revision marked "autosave"): an autosave
never changes what readers or other editors see, is overwritten every few seconds
without growing the history, and is deleted when the writer saves for real.
"""

from django.conf import settings
from django.db import models

from blog.models import MAX_BODY_LENGTH, Post


class Autosave(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="autosaves")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=MAX_BODY_LENGTH, blank=True)
    excerpt = models.TextField(max_length=500, blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="autosave_one_per_writer")
        ]

    def __str__(self) -> str:
        return f"Autosave of {self.post_id} by {self.user_id}"

    def is_newer_than_post(self) -> bool:
        return self.saved_at > self.post.updated_at
