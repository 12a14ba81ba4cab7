"""Celery tasks: make an image's renditions after its upload committed, and redo the
ones whose message was lost.

The image row says whether renditions are owed (`renditions_done_at` empty), so a lost
message (broker down or flushed, a task that failed) is not lost work:
`reconcile_renditions` (beat) sends the task again for images still owed
`BROADSHEET_RECONCILE_AFTER_SECONDS` after their upload. Making renditions is idempotent
(only what is missing is made; the unique (image, width, format) keeps one row each), so
a copy too many costs some CPU, never a duplicate.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.tasks import WORKER_RETRY_POLICY

from .models import Image
from .services import renditions_make

logger = logging.getLogger(__name__)

RECONCILE_BATCH = 200


def renditions_complete(*, image: Image) -> int:
    """Make what `image` lacks and record that nothing is owed; returns how many were made.

    A missing original cannot be resized: that is logged and recorded as done, and
    `manage.py verify_restore` reports it.
    """
    try:
        made = len(renditions_make(image=image))
    except FileNotFoundError:
        logger.warning("image %s: original %s is missing; no renditions", image.pk, image.file)
        made = 0
    Image.objects.filter(pk=image.pk).update(renditions_done_at=timezone.now())
    return made


@shared_task(name="images.make_renditions")
def make_renditions_task(image_id: int) -> int:
    """Make the missing renditions of image `image_id`; returns how many were made."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        logger.info("image %s was deleted before its renditions were made", image_id)
        return 0
    if image.renditions_done_at is not None:
        return 0  # another copy of this message did it
    return renditions_complete(image=image)


def images_owed() -> QuerySet[Image]:
    """Images whose renditions are still owed well after their upload: message lost."""
    lost_before = timezone.now() - timedelta(seconds=settings.BROADSHEET_RECONCILE_AFTER_SECONDS)
    return Image.objects.filter(renditions_done_at__isnull=True, created_at__lte=lost_before)


@shared_task
def reconcile_renditions() -> int:
    """Send the rendition task again for every image `images_owed` finds."""
    ids = list(images_owed().order_by("pk").values_list("pk", flat=True)[:RECONCILE_BATCH])
    for pk in ids:
        make_renditions_task.apply_async((pk,), retry_policy=WORKER_RETRY_POLICY)
    if ids:
        logger.info("reconciler: queued renditions of %d image(s): %s", len(ids), ids)
    return len(ids)
