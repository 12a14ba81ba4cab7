"""Create the first superuser if there is none, then print where to go and how to log in.

Reads Django's own `DJANGO_SUPERUSER_USERNAME`, `DJANGO_SUPERUSER_EMAIL` and
`DJANGO_SUPERUSER_PASSWORD`; without a password, it makes up a strong one and prints it
once. Running it again creates nothing.

`make run` calls it last, just before `runserver`, so the short block it prints (the
site's address, the admin's, the username and the password) is what a newcomer reads
at the bottom of the terminal. The addresses are `BROADSHEET_SITE_URL`, which `make run`
sets from its HOST and PORT: the ones the server answers on.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from core.sitevalues import site_values


class Command(BaseCommand):
    help = "Create the admin account if no superuser exists, and print how to log in."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing:
            username = existing.get_username()
            password_line = (
                "the password printed when it was made (forgotten? "
                f"uv run python manage.py changepassword {username})"
            )
        else:
            username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
            email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "admin@example.com")
            password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
            generated = not password
            password = password or secrets.token_urlsafe(12)
            User.objects.create_superuser(
                username=username, email=email, password=password, display_name="Administrator"
            )
            password_line = (
                f"{password}    (shown only this once: note it)"
                if generated
                else "the password in DJANGO_SUPERUSER_PASSWORD"
            )
        self.print_block(username, password_line)

    def print_block(self, username: str, password_line: str) -> None:
        site = settings.SITE_URL
        rule = "-" * 72
        lines = [
            rule,
            f"  {site_values().name} is starting at {site}/",
            f"  Admin:     {site}{reverse('admin:index')}",
            f"  Username:  {username}",
            f"  Password:  {password_line}",
            "  (A development server; Ctrl-C stops it. Production: docs/deploy.md)",
            rule,
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
