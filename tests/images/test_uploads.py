"""Uploads through the API: every accepted format stored clean; every refused kind a 400.

What a writer notices: the file they sent is accepted (or refused with a reason), and
what the site stores has no GPS, camera or comment in it, under a name it made up.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from images.models import Image
from images.processing import ACCEPTED_FORMATS
from tests.images import samples
from tests.images.conftest import uploaded

pytestmark = pytest.mark.django_db


def file_error(response) -> str:
    """The message the API's problem details give for the `file` field."""
    assert response["Content-Type"].startswith("application/problem+json")
    return " ".join(e["message"] for e in response.json()["errors"] if e["field"] == "file")


def post_image(client, content: bytes, name: str = "IMG_0042 secret-home.jpg", **fields):
    fields.setdefault("alt_text", "A harbour at dawn")
    return client.post(
        "/api/images/", {"file": uploaded(content, name), **fields}, format="multipart"
    )


def stored(image_id: int) -> PILImage.Image:
    image = Image.objects.get(pk=image_id)
    with default_storage.open(image.file.name, "rb") as handle:
        return PILImage.open(io.BytesIO(handle.read()))


def assert_no_metadata(picture: PILImage.Image) -> None:
    exif = picture.getexif()
    assert not exif.get_ifd(0x8825), "GPS data survived"
    assert not dict(exif), f"EXIF survived: {dict(exif)}"
    assert "comment" not in picture.info and "xmp" not in picture.info


def test_avif_is_supported_by_this_pillow():
    assert "AVIF" in ACCEPTED_FORMATS


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "AVIF"])
def test_every_accepted_format_is_stored_without_metadata(api_as, contributor, fmt):
    response = post_image(api_as(contributor), samples.encoded(fmt, (640, 480)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["format"], body["width"], body["height"]) == (fmt, 640, 480)
    assert body["uploaded_by"] == "contributor"
    picture = stored(body["id"])
    assert picture.format == fmt and picture.size == (640, 480)
    assert_no_metadata(picture)


def test_stored_name_is_generated_from_the_content_not_the_upload(api_as, contributor):
    body = post_image(api_as(contributor), samples.encoded("JPEG")).json()
    name = Image.objects.get(pk=body["id"]).file.name
    assert "secret" not in name and "IMG_0042" not in name
    assert name.startswith("images/") and name.endswith(".jpg")
    assert body["url"].endswith(name)


def test_camera_orientation_is_applied_before_the_exif_goes(api_as, contributor):
    rotated = samples.encoded("JPEG", (1200, 800), orientation=samples.ORIENTATION_ROTATE_90)
    body = post_image(api_as(contributor), rotated).json()
    assert (body["width"], body["height"]) == (800, 1200)
    assert_no_metadata(stored(body["id"]))


def test_the_content_decides_not_the_name(api_as, contributor):
    """A PNG named .jpg is stored as the PNG it is, with a .png name."""
    body = post_image(api_as(contributor), samples.encoded("PNG"), name="photo.jpg").json()
    assert body["format"] == "PNG"
    assert Image.objects.get(pk=body["id"]).file.name.endswith(".png")


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        (samples.SVG, "drawing.svg", "SVG images are not accepted"),
        (samples.SVG, "drawing.png", "SVG images are not accepted"),
        (samples.TEXT_NAMED_JPG, "notes.jpg", "not an image in an accepted format"),
        (samples.png_bomb(), "bomb.png", "too many pixels"),
        (samples.truncated_jpeg(), "half.jpg", "damaged or truncated"),
        (samples.cut_animated_gif(899), "cut.gif", "damaged or truncated"),
        (samples.cut_animated_gif(910), "cut.gif", "damaged or truncated"),
        (b"", "empty.jpg", "empty"),
    ],
    ids=[
        "svg",
        "svg-named-png",
        "text-named-jpg",
        "20000x20000-bomb",
        "truncated-jpeg",
        "gif-cut-in-a-frame-descriptor",
        "gif-cut-in-a-frame-header",
        "empty",
    ],
)
def test_refused_uploads_are_a_clear_400(api_as, contributor, content, name, reason):
    response = post_image(api_as(contributor), content, name=name)
    assert response.status_code == 400, response.content
    assert reason in file_error(response)
    assert not Image.objects.exists()


def test_an_oversized_file_is_a_400_naming_the_limit(api_as, contributor, settings):
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "MAX_BYTES": 100_000}
    big = samples.encoded("PNG", (800, 600))
    assert len(big) > 100_000
    response = post_image(api_as(contributor), big)
    assert response.status_code == 400
    assert "images may be at most 0.1 MB" in file_error(response)
    assert not Image.objects.exists()


def test_the_default_size_limit_is_20_mb(api_as, contributor):
    noise = b"\xff\xd8\xff" + b"\x00" * (20 * 1024 * 1024 + 1)
    response = post_image(api_as(contributor), noise)
    assert response.status_code == 400
    assert "at most 20 MB" in file_error(response)


def test_alt_text_is_required(api_as, contributor):
    response = post_image(api_as(contributor), samples.encoded("JPEG"), alt_text="")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["alt_text"]


def test_animated_gif_keeps_its_frames(api_as, contributor):
    body = post_image(api_as(contributor), samples.animated_gif(frames=3)).json()
    picture = stored(body["id"])
    assert picture.n_frames == 3


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_damaged_files_are_refused_or_stored_never_an_error(fmt):
    """Bytes flipped all over a real file: a clean 400 reason or a clean image, nothing else."""
    import random

    from images.processing import RefusedImage, clean_upload

    original = samples.encoded(fmt, (64, 48))
    rng = random.Random(fmt)
    for _ in range(40):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            stored = clean_upload(io.BytesIO(bytes(damaged)))
        except RefusedImage:
            continue
        assert PILImage.open(io.BytesIO(stored.content)).format == stored.format


# Frame by frame, and a memory limit per decode (issue 26, finding 1) ---------------------


@pytest.fixture
def small_limit(settings):
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "MAX_PIXELS": 1_000_000}


def test_a_gif_whose_later_frame_grows_the_canvas_is_refused_before_decoding_it(
    api_as, contributor, small_limit
):
    # Its header and first frame say 64x64; the second frame is 2000x2000 (4 MP). It
    # was stored as 2000x2000 (at 9000x9000: 8 s and 1.5 GB).
    bomb = samples.gif_growing(1, 2000)
    with PILImage.open(io.BytesIO(bomb)) as header:
        assert header.size == (64, 64) and header.n_frames == 2
    response = post_image(api_as(contributor), bomb, name="small.gif")
    assert response.status_code == 400
    assert "too many pixels" in file_error(response)
    assert not Image.objects.exists()


def test_a_gif_whose_frames_together_pass_the_limit_is_refused(api_as, contributor, small_limit):
    frames = samples.gif_growing(3, 800)  # 0.64 MP each, under the limit one by one
    response = post_image(api_as(contributor), frames, name="frames.gif")
    assert response.status_code == 400
    assert "too many pixels" in file_error(response)


def test_an_image_that_needs_more_memory_than_a_decode_may_use_is_refused(
    api_as, contributor, settings
):
    # Within the pixel limit, but its decoder would need more than the child process
    # that decodes it may use (a 1 KB 7000x7000 AVIF once peaked at 1.4 GB).
    settings.BROADSHEET_IMAGES = {
        **settings.BROADSHEET_IMAGES,
        "DECODE_MEMORY": 150 * 1024 * 1024,
    }
    out = io.BytesIO()
    PILImage.new("RGB", (6000, 5000), (40, 90, 160)).save(out, format="JPEG")
    response = post_image(api_as(contributor), out.getvalue(), name="big.jpg")
    assert response.status_code == 400
    assert "needs more memory or time" in file_error(response)
    assert not Image.objects.exists()

    ordinary = post_image(api_as(contributor), samples.encoded("JPEG", (800, 600)))
    assert ordinary.status_code == 201  # an ordinary photo fits well within that
