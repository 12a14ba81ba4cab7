"""The custom user: unique case-insensitive email, a display name and a short bio."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower


class User(AbstractUser):
    email = models.EmailField("email address", blank=False)
    display_name = models.CharField(max_length=120, blank=True)
    bio = models.TextField(blank=True, max_length=2000)

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

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip()
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        """The name readers see: the display name, else the full name, else the username."""
        return self.display_name or self.get_full_name() or self.username
