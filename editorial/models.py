"""Autosaves: what a writer typed and has not saved yet, one row per post and writer.

Kept apart from the post and its revisions (not a revision marked "autosave"): an autosave
never changes what readers or other editors see, is overwritten every few seconds
without growing the history, and is deleted when the writer saves for real.

A post not saved yet has no row to hang its autosave on, and creating a Draft behind the
writer's back would leave phantom posts in everyone's list. So each writer also has one
"new post" slot: the row with no post (`post=None`), at most one per writer, filled by
the "Add post" form and emptied when that form saves a post or the writer discards it.
"""

from django.conf import settings
from django.db import models

from blog.models import MAX_BODY_LENGTH, Post


class AutosaveQuerySet(models.QuerySet):
    def new_post_slot(self, user) -> "AutosaveQuerySet":
        """The writer's autosave of the post they are adding (not saved yet): 0 or 1 row."""
        return self.filter(post__isnull=True, user=user)


class Autosave(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="autosaves", null=True, blank=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=MAX_BODY_LENGTH, blank=True)
    excerpt = models.TextField(max_length=500, blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="autosave_one_per_writer"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(post__isnull=True),
                name="autosave_one_new_post_per_writer",
            ),
        ]

    def __str__(self) -> str:
        return f"Autosave of {self.post_id or 'a new post'} by {self.user_id}"

    def has_text(self) -> bool:
        return bool(self.title.strip() or self.body.strip() or self.excerpt.strip())

    def same_text_as(self, post: Post) -> bool:
        """Nothing to restore: the post holds this text (a blank excerpt is derived on save)."""
        same_excerpt = self.excerpt == post.excerpt or not self.excerpt.strip()
        return (self.title, self.body) == (post.title, post.body) and same_excerpt

    def saved_as_a_post(self) -> bool:
        """Is this "new post" autosave's text already a post of its writer?

        The script's last autosave may reach the server just after the save that emptied
        the slot; such a slot holds nothing the writer could lose.
        """
        return Post.objects.filter(author=self.user_id, title=self.title, body=self.body).exists()

    def is_newer_than_post(self) -> bool:
        return self.post is None or self.saved_at > self.post.updated_at
