"""Newsletters, who receives them, and every e-mail sent: at most once per member and
post, the record written before the send (docs/members.md, docs/jobs.md).

    Newsletter   a list members subscribe to (per post, or a weekly digest)
    Subscription a member on a newsletter
    Issue        one sending: of a post (at most one per post, ever) or of a week's digest
    Delivery     one e-mail of an issue to one member; unique per issue and member
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Newsletter(models.Model):
    class Cadence(models.TextChoices):
        POST = "post", "Each post chosen for it"
        WEEKLY = "weekly", "A weekly digest of the week's posts"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    sender_name = models.CharField(
        max_length=120, blank=True, help_text="Left blank: the site name."
    )
    sender_email = models.EmailField(
        blank=True, help_text="Left blank: DEFAULT_FROM_EMAIL. Your provider must accept it."
    )
    reply_to = models.EmailField(blank=True)
    subscribe_by_default = models.BooleanField(
        default=True, help_text="New members receive it unless they opt out."
    )
    cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.POST)
    active = models.BooleanField(default=True, help_text="Archived newsletters send nothing.")
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        "members.Member", through="Subscription", related_name="newsletters", blank=True
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE)
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "newsletter"], name="subscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.newsletter}"


class Issue(models.Model):
    """One sending of a newsletter: a post's, or a digest's week."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"  # recipients not yet listed
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"  # every delivery has an outcome

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="issues")
    # A post is e-mailed once, ever: a re-publish or a second newsletter sends nothing.
    post = models.OneToOneField(
        "blog.Post",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="newsletter_issue",
    )
    week = models.DateField(null=True, blank=True, help_text="A digest's Monday.")
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The e-mail as rendered when the first batch went out (`mail.RenderedIssue.frozen`):
    # every later batch, retry and reconciler run sends exactly this, never the post as
    # it has been edited since (a draft's text is never mailed).
    frozen_mail = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "week"],
                condition=Q(week__isnull=False),
                name="issue_one_digest_per_week",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """One e-mail to one member. Written (pending) before anything is sent; claimed
    (sending) just before its send; an outcome after. A claim with no outcome after a
    worker died is `uncertain` and never sent again (at most once)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"  # refused for good, or out of retries
        UNCERTAIN = "uncertain", "Uncertain"  # the sender died mid-send: not sent again
        BOUNCED = "bounced", "Bounced"  # the provider reported a bounce or complaint
        # Not sent, never will be: the post was taken down before it reached them, or the
        # member left, bounced or was deleted after the recipients were listed.
        CANCELLED = "cancelled", "Cancelled"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    # SET_NULL: deleting a member keeps the count, not who it was (e-mail blanked too).
    member = models.ForeignKey(
        "members.Member", on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    email = models.EmailField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)  # only if the provider reports it
    message_id = models.CharField(max_length=200, blank=True)  # the provider's, for webhooks
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["issue", "member"], name="delivery_once_per_member"),
        ]
        indexes = [
            models.Index(fields=["issue", "status"], name="delivery_issue_status_idx"),
            models.Index(fields=["message_id"], name="delivery_message_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.email or 'deleted member'} ({self.status})"
