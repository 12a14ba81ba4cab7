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


def test_animated_gifs_get_animated_renditions(
    api_as, contributor, django_capture_on_commit_callbacks, settings
):
    # Readers once got the original, whatever its size (issue 26, finding 1).
    from images.models import Image
    from tests.images.conftest import uploaded

    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (40, 480)}
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(contributor).post(
            "/api/images/",
            {"file": uploaded(samples.animated_gif(3, (64, 48)), "a.gif"), "alt_text": "Blink"},
            format="multipart",
        )
    assert response.status_code == 201
    made = {(r.width, r.format): r for r in Rendition.objects.all()}
    assert set(made) == {(40, "WEBP"), (40, "GIF"), (64, "WEBP")}
    for rendition in made.values():
        with rendition.file.open("rb") as handle, PILImage.open(handle) as picture:
            assert picture.n_frames == 3 and picture.width == rendition.width
    image = Image.objects.prefetch_related("renditions").get()
    assert image.sources == [("image/webp", image.sources[0][1])]
    assert " 40w" in image.sources[0][1] and " 64w" in image.sources[0][1]
    assert [c.width for c in image.fallback] == [40, 64]  # the GIF rendition, the original
