"""Image-library fixtures: stored images (with or without renditions), API clients."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from images import services
from tests.api.conftest import api, api_as  # noqa: F401  (re-exported fixtures)
from tests.images import samples


def uploaded(content: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def make_image(db, django_capture_on_commit_callbacks):
    """`make_image(fmt="JPEG", size=(1200, 800), renditions=True, **fields)`: a stored image.

    With `renditions`, the task queued on commit runs (eagerly, in this process).
    """

    def make(fmt="JPEG", size=(1200, 800), renditions=True, uploaded_by=None, **fields):
        fields.setdefault("alt_text", "A harbour at dawn")
        with django_capture_on_commit_callbacks(execute=renditions):
            image = services.image_create(
                upload=io.BytesIO(samples.encoded(fmt, size)), uploaded_by=uploaded_by, **fields
            )
        image.refresh_from_db()
        return image

    return make
