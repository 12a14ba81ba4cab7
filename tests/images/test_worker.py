"""Renditions made by a real Celery worker after an upload through the API.

The upload answers before any rendition exists (the page shows the original meanwhile);
the task, sent only once the upload committed, reaches a worker process through Redis,
which stores the renditions — without GPS — where the web process serves them from.
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from rest_framework.test import APIClient

from images.models import Image, Rendition
from tests.factories import UserFactory
from tests.images import samples
from tests.images.conftest import uploaded
from tests.jobs.conftest import broker, broker_server, wait_for, worker  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_upload_then_the_worker_makes_renditions_without_gps(broker, worker, settings):  # noqa: F811
    # A transactional test's flush removes the role groups: a superuser uploads.
    chief = UserFactory(username="chief", is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_authenticate(chief)
    start = time.monotonic()
    response = client.post(
        "/api/images/",
        {"file": uploaded(samples.encoded("JPEG", (2000, 1333))), "alt_text": "Harbour"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    image = Image.objects.get(pk=response.json()["id"])
    first = wait_for(
        lambda: Rendition.objects.filter(image=image).first(), 60, "the first rendition"
    )
    elapsed = time.monotonic() - start
    wait_for(lambda: Rendition.objects.filter(image=image).count() == 9, 60, "all renditions")
    assert "images.make_renditions" in worker.log() and "succeeded" in worker.log()
    print(f"upload to first rendition: {elapsed:.2f} s ({first.width}w {first.format})")
    for rendition in image.renditions.all():
        with default_storage.open(rendition.file.name, "rb") as handle:
            picture = PILImage.open(io.BytesIO(handle.read()))
        assert picture.size == (rendition.width, rendition.height)
        assert not picture.getexif().get_ifd(0x8825), f"GPS in {rendition}"
