"""Writes of the image library, shared by the admin, the API, the task and the command.

`image_create` checks and cleans an upload, stores it and queues its renditions once the
transaction commits; `renditions_make` (run by the worker) makes whichever renditions are
missing, so running it twice, or after a crash half-way, is harmless.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from core.tasks import enqueue_on_commit
from pagecache.cache import invalidate_pages

from . import isolation
from .conf import image_setting
from .models import Image, Rendition
from .processing import EncodedImage, clean_upload

logger = logging.getLogger(__name__)

ORIGINALS_DIR = "images"
RENDITIONS_DIR = "images/r"


def _store(directory: str, encoded: EncodedImage, suffix: str = "") -> str:
    """Save under a name made from the content's hash: never the uploader's name."""
    digest = hashlib.sha256(encoded.content).hexdigest()[:32]
    name = f"{directory}/{digest}{suffix}.{encoded.extension}"
    return default_storage.save(name, ContentFile(encoded.content))


def image_create(
    *, upload: IO[bytes], alt_text: str, uploaded_by, caption: str = "", credit: str = ""
) -> Image:
    """Store a checked, metadata-free copy of `upload`; renditions follow in the background.

    Raises `processing.RefusedImage` (a 400 for the caller) when the file is refused.
    Decoding runs in a child process with a memory and CPU limit (`isolation`).
    """
    encoded = _cleaned(upload)
    name = _store(ORIGINALS_DIR, encoded)
    try:
        image = Image.objects.create(
            file=name,
            format=encoded.format,
            width=encoded.width,
            height=encoded.height,
            size=len(encoded.content),
            animated=encoded.animated,
            alt_text=alt_text,
            caption=caption,
            credit=credit,
            uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None,
        )
    except BaseException:
        default_storage.delete(name)  # the row was refused: no file may stay without it
        raise
    from .tasks import make_renditions_task  # the task module imports this one

    enqueue_on_commit(make_renditions_task, image.pk)
    return image


def _cleaned(upload: IO[bytes]) -> EncodedImage:
    """The upload checked and re-encoded; its size is checked before it is read whole."""
    max_bytes = image_setting("MAX_BYTES")
    upload.seek(0, io.SEEK_END)
    if upload.tell() > max_bytes:  # the child says so too; this spares reading it
        upload.seek(0)
        return clean_upload(upload)
    upload.seek(0)
    return isolation.clean_upload(upload.read())


def renditions_make(*, image: Image) -> list[Rendition]:
    """Make and store the renditions `image` lacks; returns the ones made now."""
    existing = set(image.renditions.values_list("width", "format"))
    with image.file.open("rb") as handle:
        content = handle.read()
    made = []
    for encoded in isolation.make_renditions(content, skip=existing):
        name = _store(RENDITIONS_DIR, encoded, suffix=f".{encoded.width}w")
        try:
            with transaction.atomic():
                made.append(
                    Rendition.objects.create(
                        image=image,
                        width=encoded.width,
                        height=encoded.height,
                        format=encoded.format,
                        file=name,
                        size=len(encoded.content),
                    )
                )
        except IntegrityError:
            # Another worker made the same rendition meanwhile: keep theirs.
            default_storage.delete(name)
    if made:
        # Pages (and their kept pieces, blog.fragments) name the renditions they know of.
        transaction.on_commit(invalidate_pages, robust=True)
    return made


def image_delete(*, image: Image) -> None:
    """Delete the row, then (once committed) the original and every rendition file."""
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    image.delete()

    def remove_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete media file %s", name, exc_info=True)

    transaction.on_commit(remove_files)
