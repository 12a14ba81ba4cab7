"""The custom user: unique case-insensitive email, a display name, a short bio, an avatar."""

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac

from .usernames import username_clean


class User(AbstractUser):
    email = models.EmailField("email address", blank=False)
    display_name = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    # Stored re-encoded, never as uploaded (accounts/avatars.py).
    avatar = models.ImageField(upload_to="avatars/", blank=True, max_length=200)
    auth_generation = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised to end every session and API token of the user (accounts/tokens.py).",
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="A user with that email address already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        """Django's checks, plus the username rule of accounts/usernames.py (any form)."""
        super().clean()
        try:
            self.username = username_clean(self.username)
        except ValidationError as error:
            raise ValidationError({"username": error.error_list}) from error

    # A password set since the last save (`set_password`), not a hash upgrade at login.
    _new_password = False
    _checking_password = False

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        # Django re-hashes a correct password with the preferred hasher from inside
        # check_password(): the same password, so no sign-in should end for it.
        self._new_password = self._new_password or not self._checking_password

    def check_password(self, raw_password: str) -> bool:
        self._checking_password = True
        try:
            return super().check_password(raw_password)
        finally:
            self._checking_password = False

    async def acheck_password(self, raw_password: str) -> bool:
        self._checking_password = True
        try:
            return await super().acheck_password(raw_password)
        finally:
            self._checking_password = False

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        # A new password or a deactivation ends every sign-in.
        if self.pk and (self._new_password or not self.is_active):
            self.auth_generation += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "auth_generation"}
        super().save(*args, **kwargs)
        self._new_password = False

    # Sessions end with the generation too: Django compares the hash it stored in the
    # session with these two public methods (the second one while SECRET_KEY_FALLBACKS
    # hold old keys), so both include it.

    def get_session_auth_hash(self) -> str:
        return self._sign_ins_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._sign_ins_hash(secret=secret)

    def _sign_ins_hash(self, secret: str | None) -> str:
        # Django's hash of the password (same salt: sessions from before stay valid),
        # plus the generation once it was raised.
        value = self.password
        if self.auth_generation:
            value = f"{value}:{self.auth_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    def get_short_name(self) -> str:
        """The admin's "Welcome, …": the writer's own name before their username."""
        return self.display_name or self.first_name

    @property
    def public_name(self) -> str:
        """The name readers see: the display name, else the full name, else the username."""
        return self.display_name or self.get_full_name() or self.username


class IntegrationKey(models.Model):
    """A revocable, scoped API key for an integration, acting as its owner (`user`).

    The key itself (`bsk_<prefix>_<secret>`) is shown once, when it is made; only the
    prefix (to find the row and to name the key in the admin) and a SHA-256 of the
    secret are stored. See `accounts.integration_keys`.
    """

    READ = "read"
    WRITE = "write"
    SCOPES = [
        (READ, "Read: GET and HEAD only"),
        (WRITE, "Write: read, and change what the owner may"),
    ]

    name = models.CharField(max_length=100, help_text="What uses the key, e.g. “Newsletter sync”.")
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="integration_keys",
        verbose_name="acts as",
        help_text="Requests with the key are this user's, within the key's scope.",
    )
    scope = models.CharField(max_length=5, choices=SCOPES, default=READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "integration key"

    def __str__(self) -> str:
        return f"{self.name} (bsk_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
