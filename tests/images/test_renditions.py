"""Renditions: the widths and formats made, no metadata in any, the command for old images.

The task runs eagerly here (test settings); tests/images/test_worker.py has a real worker.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image as PILImage

from images.models import Rendition
from tests.images import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_widths(settings):
    """Narrow renditions of small pictures: the same code paths, a fraction of the work."""
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (100, 200, 400)}


def opened(rendition: Rendition) -> PILImage.Image:
    with default_storage.open(rendition.file.name, "rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def test_a_photo_gets_three_widths_in_avif_webp_and_jpeg(make_image):
    image = make_image("JPEG", (2000, 1500))
    made = sorted((r.width, r.height, r.format) for r in image.renditions.all())
    assert made == sorted(
        (width, round(1500 * width / 2000), fmt)
        for width in (480, 960, 1600)
        for fmt in ("AVIF", "WEBP", "JPEG")
    )
    for rendition in image.renditions.all():
        picture = opened(rendition)
        assert picture.format == rendition.format
        assert picture.size == (rendition.width, rendition.height)
        assert rendition.size == default_storage.size(rendition.file.name)


def test_gps_is_gone_from_every_rendition(make_image, small_widths):
    image = make_image("JPEG", (500, 300))
    assert image.renditions.count() == 9
    for rendition in image.renditions.all():
        exif = opened(rendition).getexif()
        assert not exif.get_ifd(0x8825) and not dict(exif), rendition


def test_rendition_names_are_hashed_and_never_reused(make_image, small_widths):
    image = make_image("PNG", (500, 300))
    names = [r.file.name for r in image.renditions.all()]
    assert len(set(names)) == len(names)
    for name in names:
        stem = name.rsplit("/", 1)[1].split(".")[0]
        assert len(stem) == 32 and int(stem, 16) >= 0  # sha256 prefix of the content


def test_small_images_are_not_upscaled(make_image, small_widths):
    image = make_image("PNG", (150, 100))
    assert {(r.width, r.format) for r in image.renditions.all()} == {
        (100, "AVIF"),
        (100, "WEBP"),
        (100, "PNG"),
        (150, "AVIF"),
        (150, "WEBP"),
    }


def test_pages_use_the_original_until_renditions_exist(make_image):
    image = make_image("JPEG", (1200, 800), renditions=False)
    assert image.sources == [] and image.srcset == ""
    assert image.src.url == image.url


def test_command_makes_what_is_missing_and_is_idempotent(make_image, small_widths):
    old = make_image("JPEG", (300, 200), renditions=False)
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "Made 8 rendition(s)" in out.getvalue()  # 100, 200 x 3 formats; 300 x AVIF, WebP
    assert old.renditions.count() == 8
    call_command("make_renditions", stdout=out)
    assert "Made 0 rendition(s)" in out.getvalue()
    assert old.renditions.count() == 8


def test_deleting_an_image_removes_its_files(
    make_image, api_as, editor, django_capture_on_commit_callbacks, small_widths
):
    image = make_image("JPEG", (300, 200))
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        assert api_as(editor).delete(f"/api/images/{image.pk}/").status_code == 204
    assert not any(default_storage.exists(n) for n in names)


def test_animated_gifs_get_no_renditions(api_as, contributor, django_capture_on_commit_callbacks):
    from tests.images.conftest import uploaded

    with django_capture_on_commit_callbacks(execute=True):
        body = (
            api_as(contributor)
            .post(
                "/api/images/",
                {"file": uploaded(samples.animated_gif(), "a.gif"), "alt_text": "Blink"},
                format="multipart",
            )
            .json()
        )
    assert body["renditions"] == [] and Rendition.objects.count() == 0
