"""Autosaves: what a writer typed and has not saved yet, one row per post and writer.

Kept apart from the post and its revisions (not a revision marked "autosave"): an autosave
never changes what readers or other editors see, is overwritten every few seconds
without growing the history, and is deleted when the writer saves for real.

A post not saved yet has no row to hang its autosave on, and creating a Draft behind the
writer's back would leave phantom posts in everyone's list. So every "Add post" form
carries a random draft key (`draft_key`, made by the server when it draws the form and
posted back with it): its autosave is the writer's row with no post and that key. Two
"Add post" tabs are two keys, two rows; saving the post deletes its own key's row only,
and the writer discards the others one by one from the offer above "Add post".

The title, body and excerpt have columns of their own (the offer names a draft by them,
and a late autosave is recognised by them); every other field of the form (slug,
category, tags, cover, publication time, the editor's note…) is kept as posted, in
`fields`: `{name: [value, …]}`, the shape of a form's data.
"""

from django.conf import settings
from django.db import models

from blog.models import MAX_BODY_LENGTH, Post

MAX_NEW_POST_DRAFTS = 50  # unsaved new posts per writer: a bound on what one writer stores


class AutosaveQuerySet(models.QuerySet):
    def new_posts(self, user) -> "AutosaveQuerySet":
        """The writer's autosaves of posts they are adding (not saved yet), newest first."""
        return self.filter(post__isnull=True, user=user).order_by("-saved_at", "-pk")


class Autosave(models.Model):
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="autosaves", null=True, blank=True
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draft_key = models.UUIDField(null=True, blank=True, editable=False)
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=MAX_BODY_LENGTH, blank=True)
    excerpt = models.TextField(max_length=500, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    saved_at = models.DateTimeField(auto_now=True)

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="autosave_one_per_writer"),
            models.UniqueConstraint(
                fields=["user", "draft_key"],
                condition=models.Q(post__isnull=True),
                name="autosave_one_per_new_post",
            ),
            models.CheckConstraint(
                condition=models.Q(post__isnull=True, draft_key__isnull=False)
                | models.Q(post__isnull=False, draft_key__isnull=True),
                name="autosave_new_post_has_a_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Autosave of {self.post_id or f'new post {self.draft_key}'} by {self.user_id}"

    def has_text(self) -> bool:
        return bool(self.title.strip() or self.body.strip() or self.excerpt.strip())

    def first_words(self, count: int = 12) -> str:
        """What names a new post's draft in the offer: its title, else its first words."""
        if self.title.strip():
            return self.title.strip()
        words = (self.body.strip() or self.excerpt.strip()).split()
        return " ".join(words[:count]) + ("…" if len(words) > count else "")

    def same_text_as(self, post: Post) -> bool:
        """Nothing to restore: the post holds this text. The excerpt compares as written:
        a blank one means "from the body" now, so clearing a written excerpt is a change."""
        return (self.title, self.body, self.excerpt.strip()) == (
            post.title,
            post.body,
            post.excerpt.strip(),
        )

    def saved_as_a_post(self) -> bool:
        """Is this "new post" autosave's text already a post of its writer?

        The script's last autosave may reach the server just after the save that deleted
        the row; such a row holds nothing the writer could lose.
        """
        return Post.all_kinds.filter(author=self.user_id, title=self.title, body=self.body).exists()

    def is_newer_than_post(self) -> bool:
        return self.post is None or self.saved_at > self.post.updated_at


class ScheduledUpdateQuerySet(models.QuerySet):
    def pending(self) -> "ScheduledUpdateQuerySet":
        """Not applied yet and not cancelled."""
        return self.filter(applied_at__isnull=True, cancelled=False)

    def due(self, now) -> "ScheduledUpdateQuerySet":
        return self.pending().filter(apply_at__lte=now)


class ScheduledUpdate(models.Model):
    """Changes to a published post, kept aside until `apply_at` (editorial.scheduled).

    `fields` holds only what the editor changed, by field name, as JSON: text as text,
    the category, cover and author by id (null: none), tags as a list of ids. The live
    post is untouched until the sweep applies them, once (`applied_at`).
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="scheduled_updates")
    fields = models.JSONField()
    apply_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)

    objects = ScheduledUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["apply_at", "pk"]
        indexes = [
            models.Index(
                fields=["apply_at"],
                name="scheduled_update_due",
                condition=models.Q(applied_at__isnull=True, cancelled=False),
            )
        ]

    def __str__(self) -> str:
        return f"Scheduled update of {self.post_id} at {self.apply_at:%Y-%m-%d %H:%M}"
