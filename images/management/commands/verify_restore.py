"""`manage.py verify_restore`: check that every image and rendition row has its file.

Run after a restore (scripts/restore.sh does): the database and the media were copied
separately, so a row whose file did not make it shows a broken image. Prints the row
counts (to compare with the site the backup came from) and every missing file; exits
with status 1 when any file is missing. Renditions can be re-made
(`manage.py make_renditions`); a missing original cannot.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from images.models import Image, Rendition


class Command(BaseCommand):
    help = "Check that every Image and Rendition row has its file in media storage."

    def handle(self, *args, **options) -> None:
        missing = []
        for kind, rows in (
            ("image", Image.objects.order_by("pk").values_list("pk", "file")),
            ("rendition", Rendition.objects.order_by("pk").values_list("pk", "file")),
        ):
            count = 0
            for pk, name in rows.iterator():
                count += 1
                if not name or not default_storage.exists(name):
                    missing.append(f"{kind} {pk}: {name or '(no file name)'}")
            self.stdout.write(f"{kind}s: {count} row(s)")
        for line in missing:
            self.stderr.write(f"missing {line}")
        if missing:
            raise CommandError(f"{len(missing)} file(s) missing")
        self.stdout.write(self.style.SUCCESS("Every image and rendition has its file."))
