"""Colour profiles (ICC) that files keep: only one that is valid for the picture.

An upload's embedded ICC profile used to be copied byte for byte into the original and
every rendition. A profile is a small program for the colour engine of every reader's
browser; a malformed one, a huge one, or one for another colour space (a CMYK profile on
an RGB picture) is at best ignored and at worst a parser's problem. So a profile is kept
only when LittleCMS (Pillow's ImageCms) reads it, it is at most `MAX_BYTES`, and its
colour space is the picture's; otherwise it is dropped, and browsers show the pixels as
sRGB, which is what nearly every web image is.

Used by `images.processing.encode`, the one place files are written.
"""

from __future__ import annotations

import io

from PIL import Image, ImageCms

MAX_BYTES = 1 << 20  # Display P3 is ~0.5 KB, sRGB ~3 KB; large print profiles ~0.5 MB
# The colour space (ICC header) a profile must describe for pictures of each mode.
_SPACE_OF_MODE = {
    "RGB": "RGB", "RGBA": "RGB", "P": "RGB", "PA": "RGB", "L": "GRAY", "LA": "GRAY",
    "CMYK": "CMYK",
}  # fmt: skip


def valid_profile(image: Image.Image) -> bytes | None:
    """`image`'s ICC profile if it is one to keep (module docstring), else None."""
    data = image.info.get("icc_profile")
    if not data or len(data) > MAX_BYTES:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
    except (OSError, ValueError, TypeError):
        return None
    if profile.xcolor_space.strip() != _SPACE_OF_MODE.get(image.mode):
        return None
    return data
