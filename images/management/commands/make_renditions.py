"""`manage.py make_renditions`: make the missing renditions of images already stored.

For images uploaded before renditions existed, after a change of BROADSHEET_IMAGE_WIDTHS,
or when a worker was down. Idempotent: what exists is not made again. `--queue` sends the
work to the Celery workers instead of doing it in this process.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from images.models import Image
from images.services import renditions_make
from images.tasks import make_renditions_task


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
        total = 0
        for image in images.iterator():
            if queue:
                make_renditions_task.delay(image.pk)
                continue
            made = renditions_make(image=image)
            total += len(made)
            if made:
                self.stdout.write(f"image {image.pk}: {len(made)} rendition(s)")
        if queue:
            self.stdout.write(f"Queued {images.count()} image(s).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Made {total} rendition(s)."))
