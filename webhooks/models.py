"""Endpoints editors register, and the log of every delivery to them.

A `Delivery` row is the delivery's whole state, so no broker message is ever the only
record of owed work: `next_attempt_at` says when the next try is due, `queued_at` when a
message for it was last handed to the broker (empty: none, the reconciler sends one),
and `claimed_until` marks an attempt in flight, so a second copy of the message finds it
claimed and does nothing (webhooks/services.py).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Event(models.TextChoices):
    PUBLISHED = "post.published"
    UPDATED = "post.updated"
    UNPUBLISHED = "post.unpublished"
    DELETED = "post.deleted"
    MEMBER_CREATED = "member.created"
    MEMBER_DELETED = "member.deleted"
    NEWSLETTER_SENT = "newsletter.sent"
    COMMENT_CREATED = "comment.created"
    COMMENT_APPROVED = "comment.approved"


# Sent only to endpoints that list them: an endpoint made for post events before member
# events existed (or with "all") must not start receiving readers' addresses unasked.
OPT_IN_EVENTS = frozenset({Event.MEMBER_CREATED, Event.MEMBER_DELETED})


class Endpoint(models.Model):
    """A URL that receives signed POSTs for the events it subscribes to."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event names; empty means all.")
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="First failure since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url

    def subscribes(self, event: str) -> bool:
        """True when `event` is one of this endpoint's events, active or not. An endpoint
        of every event (`events` empty) gets every event but those that name a member
        (`OPT_IN_EVENTS`): addresses go only to an endpoint that asked for them."""
        if event in OPT_IN_EVENTS:
            return event in self.events
        return not self.events or event in self.events


class Delivery(models.Model):
    """One event for one endpoint: what was sent, how often, and what came back."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        BLOCKED = "blocked"  # refused by the SSRF guard
        SKIPPED = "skipped"  # (older rows) the endpoint was disabled meanwhile
        HELD = "held"  # the endpoint is disabled: kept, re-sent when it is enabled again

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"
