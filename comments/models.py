"""Comments: members discuss posts; editors (and a post's authors) moderate (issue 32).

Comment            one comment or reply (one level deep), Markdown subset, moderated
Discussion         a post's comments: open, closed or hidden (no row: the site's rule)
CommentPolicy      the site's rules (one row, pk=1): on/off, close after N days, ...
CommentBan         a member who may no longer comment
BlockedTerm        a word or domain that sends a comment to spam
ModerationAction   the log: who did what to which comment, when
CommentNotice      one notification mail, at most once per comment, kind and address
AuthorPreference   a writer's or editor's comment mail on or off (no row: on)
ReplyOptOut        a member who wants no mail when someone replies to them
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"  # by a moderator, or deleted by its member

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE, related_name="comments")
    # Replies are one level deep: a reply's parent is a top-level comment.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # SET_NULL: a deleted member's comments stay, their words as published, shown under
    # "Deleted member" with no address or client address (comments.privacy blanks them
    # when the member is deleted; docs/comments.md, "A member's data").
    member = models.ForeignKey(
        "members.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    # Shown with the comment: the member's name when written, or an imported author's.
    author_name = models.CharField(max_length=120, blank=True)
    # For moderation only (imports keep it); never shown to readers or in the public API.
    author_email = models.EmailField(max_length=254, blank=True)
    body = models.TextField(max_length=5000, help_text="Markdown (a subset).")
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    # Where an imported comment came from ("wordpress:12"), so a re-import skips it.
    source_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["post", "status", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["status", "created_at"], name="comment_queue_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="comment_source_unique"
            ),
        ]

    def __str__(self) -> str:
        # The post's title: read with the comment where comments are listed (the admin's
        # list_select_related and get_queryset), else one query for the one comment.
        return f"{self.author_name or 'Someone'} on “{self.post.title}”: {self.body[:40]}"


class Discussion(models.Model):
    class Mode(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed (shown, no new comments)"
        HIDDEN = "hidden", "Hidden (not shown, no new comments)"

    post = models.OneToOneField("blog.Post", on_delete=models.CASCADE, related_name="discussion")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.OPEN)

    def __str__(self) -> str:
        return f"{self.post_id}: {self.mode}"


class CommentPolicy(models.Model):
    """The site's comment rules: one row (pk=1), created with defaults when first read."""

    enabled = models.BooleanField(default=True, help_text="Comments anywhere on the site.")
    close_after_days = models.PositiveIntegerField(
        default=0,
        help_text="Close a post's comments this many days after it goes public (0: never).",
    )
    first_comment_needs_approval = models.BooleanField(
        default=True,
        help_text="A member's first comment waits for a moderator; later ones "
        "appear at once once one was approved.",
    )
    max_links = models.PositiveSmallIntegerField(default=2, help_text="Links per comment.")
    min_seconds_to_post = models.PositiveSmallIntegerField(
        default=3, help_text="Faster than this after the form was shown: treated as a bot."
    )

    class Meta:
        verbose_name = verbose_name_plural = "comment settings"

    def __str__(self) -> str:
        return "Comment settings"


class CommentBan(models.Model):
    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="comment_ban"
    )
    reason = models.CharField(max_length=200, blank=True)
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.member} (banned)"


class BlockedTerm(models.Model):
    class Kind(models.TextChoices):
        WORD = "word", "Word or phrase"
        DOMAIN = "domain", "Link domain"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WORD)
    term = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "term"], name="blocked_term_unique")]

    def __str__(self) -> str:
        return self.term


class ModerationAction(models.Model):
    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        SPAM = "spam", "Marked as spam"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored to pending"
        BAN = "ban", "Banned the member"
        UNBAN = "unban", "Lifted the ban"

    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor}"


class CommentNotice(models.Model):
    """One notification mail: written before it is sent, never sent twice."""

    class Kind(models.TextChoices):
        NEW_COMMENT = "new_comment", "New comment (to the post's author)"
        REPLY = "reply", "Reply (to the member replied to)"
        PENDING_DIGEST = "pending_digest", "Comments waiting (to editors)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="notices"
    )
    email = models.EmailField(max_length=254)
    # The digest's key ("2026-12-05T14"): one digest per recipient per period.
    period = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Per comment (author and reply mails) and per period (the editors' digest,
            # which has no comment): two partial constraints, since NULLs are distinct
            # in a unique index on every database we run on.
            models.UniqueConstraint(
                fields=["kind", "comment", "email"],
                condition=Q(comment__isnull=False),
                name="comment_notice_once",
            ),
            models.UniqueConstraint(
                fields=["kind", "email", "period"],
                condition=Q(comment__isnull=True),
                name="comment_notice_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email}"


# --- Notification preferences (comments/notifications.py) --------------------------------


class AuthorPreference(models.Model):
    """A writer's or editor's comment mail (no row: both on). `accounts.User` has no
    preferences of its own, and comments are this app's business."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_preference"
    )
    notify_on_comment = models.BooleanField(
        default=True, help_text="Mail me when a comment on one of my posts appears."
    )
    pending_digest = models.BooleanField(
        default=True,
        help_text="Editors: mail me an hourly list of new comments waiting for approval.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "my comment notifications"

    def __str__(self) -> str:
        return f"Comment notifications of {self.user}"


class ReplyOptOut(models.Model):
    """A member who no longer wants a mail when someone replies to them (one-click
    unsubscribe link in every reply mail)."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="reply_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "reply mail opt-out"

    def __str__(self) -> str:
        return f"{self.member} (no reply mail)"
