"""Members: readers who sign up by e-mail. Never staff, never `accounts.User`.

A member has no password and no admin access; they sign in by a single-use link sent to
their address (`SignInLink`). Keeping them out of `accounts.User` means no role, group,
permission or admin check can ever be granted to a reader by mistake (docs/members.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower, Now


class MemberQuerySet(models.QuerySet):
    def active(self) -> MemberQuerySet:
        """Confirmed members whose address still takes mail."""
        return self.filter(status=Member.Status.ACTIVE, email_disabled_at__isnull=True)


class Member(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"  # signed up, link not yet clicked
        ACTIVE = "active", "Active"

    class Source(models.TextChoices):
        SIGNUP = "signup", "Sign-up form"
        IMPORT = "import", "CSV import"
        API = "api", "API"
        ADMIN = "admin", "Admin"

    # Stored lower-cased (`normalise_email`); unique whatever the case it is typed in.
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SIGNUP)
    # When they joined: an import keeps the source's date (`members.importing`).
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # When this site added them, never backdated: the order of the API's cursor pages, so
    # that a client that synced before an import finds the imported members. (The
    # database default serves only code that predates the column: migration 0004.)
    added_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # A hard bounce or a complaint (the provider's webhook): no more mail to this address.
    email_disabled_at = models.DateTimeField(null=True, blank=True)
    email_disabled_reason = models.CharField(max_length=200, blank=True)
    # Raised by "sign out everywhere": every session holding an older value is signed out.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    note = models.TextField(blank=True, help_text="Editors only; never shown to the member.")

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="member_email_unique_ci"),
        ]
        indexes = [models.Index(fields=["added_at", "id"], name="member_added_idx")]

    def __str__(self) -> str:
        return self.email

    @property
    def receives_mail(self) -> bool:
        return self.status == self.Status.ACTIVE and self.email_disabled_at is None


class SignInLink(models.Model):
    """One e-mailed link: confirm a sign-up or sign in. Single use, short-lived, bound
    to the address it was sent to. Only a hash of its token is stored."""

    class Purpose(models.TextChoices):
        CONFIRM = "confirm", "Confirm sign-up"
        SIGN_IN = "sign_in", "Sign in"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="links")
    email = models.EmailField(max_length=254)  # the address it was sent to
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the token
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # The mail task that made the link (one per sign-up or sign-in request) and when it
    # handed it to the mail server: a request mails at most one link, even when a worker
    # dies mid-send and its task is delivered again (members/tasks.py).
    request_key = models.UUIDField(unique=True, null=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The name typed with the sign-up that asked for this confirmation link: applied to
    # the member only when this link confirms the address (and they have no name yet),
    # so whoever types someone else's address first does not choose the owner's name.
    name = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="signinlink_expires_idx")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link for {self.email}"
