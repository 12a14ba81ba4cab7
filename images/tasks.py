"""Celery task: make an image's renditions after its upload committed.

Idempotent (it makes only what is missing), so redelivery after a lost worker is harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task

from .models import Image
from .services import renditions_make

logger = logging.getLogger(__name__)


@shared_task(name="images.make_renditions")
def make_renditions_task(image_id: int) -> int:
    """Make the missing renditions of image `image_id`; returns how many were made."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        logger.info("image %s was deleted before its renditions were made", image_id)
        return 0
    return len(renditions_make(image=image))
