"""Issue 26, finding 8: an upload's ICC profile reaches the stored original and its
renditions only when it is a valid profile for the picture's colour space."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms

from images.processing import clean_upload, make_renditions

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
LAB = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not RGB


def _png(profile: bytes | None, size=(600, 400)) -> bytes:
    out = io.BytesIO()
    options = {"icc_profile": profile} if profile else {}
    Image.new("RGB", size, (200, 40, 40)).save(out, format="PNG", **options)
    return out.getvalue()


def _profile(content: bytes) -> bytes | None:
    with Image.open(io.BytesIO(content)) as image:
        return image.info.get("icc_profile")


@pytest.mark.parametrize(
    "profile",
    [b"\x00" * 128 + b"not a profile" * 50, LAB, SRGB[:200]],
    ids=["garbage", "wrong-colour-space", "truncated"],
)
def test_an_invalid_profile_is_dropped_from_the_original_and_renditions(profile):
    content = _png(profile)
    assert _profile(content) == profile  # the upload carries it
    stored = clean_upload(io.BytesIO(content))
    assert _profile(stored.content) is None
    renditions = list(make_renditions(content))
    assert renditions and all(_profile(r.content) is None for r in renditions)


def test_a_valid_profile_is_kept():
    content = _png(SRGB)
    assert _profile(clean_upload(io.BytesIO(content)).content) == SRGB
    assert all(_profile(r.content) == SRGB for r in make_renditions(content) if r.format != "GIF")
