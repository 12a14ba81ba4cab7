"""Avatars: the small picture on a writer's author card and author page.

What a writer uploads is never stored as sent: it is opened with Pillow only if it is a
JPEG, PNG or WebP of at most `MAX_UPLOAD_BYTES` and `MAX_PIXELS` (read from the header,
before any decoding), then cropped to a square, re-encoded as a `SIZE`-pixel JPEG without
metadata and stored under a hash of those bytes (`avatars/<hash>.jpg`), like every media
file (nginx serves only image extensions, as images). The image library (`images`) is
for posts' pictures and sits above this app, so avatars do not go through it; a 256-pixel
re-encode of a bounded input needs none of its renditions or isolation.
"""

from __future__ import annotations

import hashlib
import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

SIZE = 256
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000 * 4000
FORMATS = {"JPEG", "PNG", "WEBP"}

REFUSED = "Choose a JPEG, PNG or WebP picture of at most 2 MB and 4000 by 4000 pixels."


def avatar_from_upload(upload) -> ContentFile:
    """The stored avatar for an uploaded file (`ValidationError` if it is refused)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(REFUSED, code="too_large")
    upload.seek(0)
    try:
        # Opening reads the header only; Pillow refuses the largest bombs itself.
        with Image.open(upload, formats=sorted(FORMATS)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(REFUSED, code="too_large")
            square = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), (SIZE, SIZE))
    except ValidationError:
        raise
    except Exception as error:  # any decoder failure is a refused file
        # Damaged files raise more than OSError from Pillow's plugins (struct.error,
        # KeyError from EXIF, IndexError...): each is "not a picture we can use", never a 500.
        raise ValidationError(REFUSED, code="invalid") from error
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True)
    data = out.getvalue()
    return ContentFile(data, name=f"{hashlib.sha256(data).hexdigest()[:24]}.jpg")
