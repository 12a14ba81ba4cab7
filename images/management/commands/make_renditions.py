"""`manage.py make_renditions`: make the missing renditions of images already stored.

For images uploaded before renditions existed, after a change of BROADSHEET_IMAGE_WIDTHS,
when a worker was down, and as the last step of a restore (docs/deploy.md). Idempotent:
what exists is not made again. An image whose original file is missing is reported and
skipped, never a crash: the command makes what can be made and says what could not
(`manage.py verify_restore` checks every file and fails when one is missing).
`--queue` sends the work to the Celery workers instead of doing it in this process.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from images.models import Image
from images.tasks import make_renditions_task, renditions_complete


class Command(BaseCommand):
    help = "Make the missing renditions of every stored image (or of the given ids)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Only these image ids.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue one task per image for the workers."
        )

    def handle(self, *args, ids: list[int], queue: bool, **options) -> None:
        images = Image.objects.filter(animated=False).order_by("pk")
        if ids:
            images = images.filter(pk__in=ids)
        if queue:
            images.update(renditions_done_at=None)  # owed again: the task checks this
            for pk in images.values_list("pk", flat=True).iterator():
                make_renditions_task.delay(pk)
            self.stdout.write(f"Queued {images.count()} image(s).")
            return
        total, missing = 0, []
        for image in images.iterator():
            if not default_storage.exists(image.file.name):
                missing.append(image)
                self.stderr.write(f"image {image.pk}: original {image.file.name} is missing")
                continue
            made = renditions_complete(image=image)
            total += made
            if made:
                self.stdout.write(f"image {image.pk}: {made} rendition(s)")
        self.stdout.write(self.style.SUCCESS(f"Made {total} rendition(s)."))
        if missing:
            ids = ", ".join(str(image.pk) for image in missing)
            self.stdout.write(
                self.style.WARNING(f"Skipped {len(missing)} image(s) with no original: {ids}")
            )
