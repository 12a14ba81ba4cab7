"""The image library's settings, read through one accessor.

`BROADSHEET_IMAGES` in Django settings (config/settings/base.py fills it from the
environment) overrides these defaults key by key.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Largest upload accepted, in bytes: a clear 400 above it.
    "MAX_BYTES": 20 * 1024 * 1024,
    # Largest picture accepted, in pixels (all frames together): the decompression-bomb
    # guard. 50 megapixels is a 48 MP phone photo; an RGBA copy of it is ~200 MB of memory.
    "MAX_PIXELS": 50_000_000,
    # Library images one post body may show (`![alt](image:42)`): more is refused on save,
    # and a page swaps no more than this many for responsive pictures.
    "MAX_BODY_IMAGES": 200,
    # What the child process that decodes one image may use (images/isolation.py): its
    # address space in bytes, and CPU seconds. Past either the image is refused.
    "DECODE_MEMORY": 300 * 1024 * 1024,
    "DECODE_SECONDS": 20,
    # Rendition widths, in CSS pixels at 1x; an image narrower than one gets its own width.
    "WIDTHS": (480, 960, 1600),
    # Encoder qualities (0-100) of the stored original and of the renditions.
    "QUALITY": {"JPEG": 85, "WEBP": 80, "AVIF": 60},
}


def image_setting(name: str) -> Any:
    """`BROADSHEET_IMAGES[name]`, or its default."""
    return getattr(settings, "BROADSHEET_IMAGES", {}).get(name, DEFAULTS[name])
