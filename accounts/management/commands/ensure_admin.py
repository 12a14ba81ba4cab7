"""Create the first superuser if there is none, printing its password once.

Reads Django's own `DJANGO_SUPERUSER_USERNAME`, `DJANGO_SUPERUSER_EMAIL` and
`DJANGO_SUPERUSER_PASSWORD`; without a password, it makes up a strong one and prints it.
Running it again changes nothing.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin account if no superuser exists (prints a generated password once)."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin account exists already; nothing to do.")
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "admin@example.com")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=username, email=email, password=password, display_name="Administrator"
        )
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Admin account created: username {username!r}, password {password!r}\n"
                    "This password is shown only once; change it at /accounts/password/change/."
                )
            )
        else:
            self.stdout.write(f"Admin account {username!r} created with DJANGO_SUPERUSER_PASSWORD.")
