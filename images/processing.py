"""Uploads checked by their content, cleaned of metadata, and resized — Pillow only.

Nothing here touches the database or storage: bytes in, bytes out, so the same code
serves the admin, the API, the Celery task and the management command.

Safety, in the order the checks run:

1. size: more than `MAX_BYTES` is refused before Pillow reads a byte;
2. kind: Pillow may only try the formats we accept (`Image.open(formats=...)`), so a
   text file named `.jpg`, an SVG (a script carrier), a PSD or a TIFF is "not an image";
3. pixels: width x height x frames above `MAX_PIXELS` is refused from the header alone,
   before any pixel is decoded; then, frame by frame, each frame's canvas is checked
   again before that frame is decoded (a GIF's header may say 64x64 and a later frame
   9000x9000: Pillow grows the canvas when it decodes that frame), the running total
   too. Pillow's own decompression-bomb warning is an error here, a refusal for the
   uploader;
4. integrity: the whole image is decoded once, so a truncated file is refused now rather
   than failing later in a worker;
5. metadata: the stored file is re-encoded from the pixels with EXIF orientation applied,
   keeping only the colour profile and what animation needs; EXIF (GPS, camera, serial
   numbers), XMP and comments are gone. Re-encoding also drops anything smuggled after
   the image data (polyglot files).

The web process and the worker call these through `isolation`, which runs them in a
child process with a memory and CPU limit: the checks above bound what a file may ask
for, the child's limits what a decoder may do with it.
"""

from __future__ import annotations

import contextlib
import io
import struct
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError, features

from .colour import valid_profile
from .conf import image_setting

ACCEPTED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF") + (
    ("AVIF",) if features.check("avif") else ()
)
MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "AVIF": "image/avif",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
# What survives re-encoding: colour and animation, nothing that describes the shot.
_KEPT_INFO = ("icc_profile", "transparency", "duration", "loop", "background")
_SNIFF_BYTES = 1024


class RefusedImage(ValueError):
    """The upload is not an image we store; the message is for the uploader."""


@dataclass(frozen=True)
class EncodedImage:
    """An image file ready to store: its bytes, format (Pillow's name) and size."""

    content: bytes
    format: str
    width: int
    height: int
    animated: bool = False

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def accepted_names() -> str:
    """The accepted formats, for messages: "JPEG, PNG, WebP, GIF or AVIF"."""
    names = [{"WEBP": "WebP"}.get(f, f) for f in ACCEPTED_FORMATS]
    return ", ".join(names[:-1]) + " or " + names[-1]


def clean_upload(upload: IO[bytes]) -> EncodedImage:
    """Check an uploaded file by its content and return it re-encoded without metadata.

    Raises `RefusedImage` with a message fit for a 400 answer.
    """
    max_bytes = image_setting("MAX_BYTES")
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    if size > max_bytes:
        raise RefusedImage(
            f"The file is {_megabytes(size)}; images may be at most {_megabytes(max_bytes)}."
        )
    if size == 0:
        raise RefusedImage("The file is empty.")
    head = upload.read(_SNIFF_BYTES).lstrip().lower()
    upload.seek(0)
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise RefusedImage("SVG images are not accepted (they can carry scripts).")
    with _bomb_guard():
        image = _open(upload)
        try:
            _decode_all(image)
            return _reencode(image)
        finally:
            image.close()


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.{0 if size % 1_048_576 == 0 else 1}f} MB"


def _too_big() -> RefusedImage:
    max_pixels = image_setting("MAX_PIXELS")
    return RefusedImage(
        f"The image has too many pixels; at most {max_pixels / 1e6:.0f} megapixels are accepted."
    )


@contextlib.contextmanager
def _bomb_guard() -> Iterator[None]:
    """Pillow's decompression-bomb warning as an error, and either as a refusal.

    (The warning filter is process-wide while it is set; `isolation` runs this in a
    process of its own.)"""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_big() from None


# What Pillow's decoders raise on a damaged or cut file. A GIF cut inside a frame's header
# fails in its frame count with IndexError or struct.error (Pillow reads past the end).
DAMAGED = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


def _open(upload: IO[bytes]) -> Image.Image:
    not_an_image = RefusedImage(
        f"The file is not an image in an accepted format: {accepted_names()}."
    )
    try:
        image = Image.open(upload, formats=ACCEPTED_FORMATS)
        frames = getattr(image, "n_frames", 1)
    except UnidentifiedImageError:
        raise not_an_image from None
    except DAMAGED:
        raise RefusedImage("The image file is damaged or truncated.") from None
    if image.format not in ACCEPTED_FORMATS:
        image.close()
        raise not_an_image
    if image.width * image.height * frames > image_setting("MAX_PIXELS"):
        image.close()
        raise _too_big()
    return image


def _decode_all(image: Image.Image) -> None:
    """Decode every frame once: a truncated or corrupt file fails here, not later.

    Each frame's canvas is checked before the frame is decoded, and the frames' total:
    seeking reads the next frame's header (a GIF frame may grow the canvas), and only
    `load()` decodes its pixels."""
    max_pixels, total = image_setting("MAX_PIXELS"), 0
    try:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            total += image.width * image.height
            if total > max_pixels:
                raise _too_big()
            image.load()
        image.seek(0)
    except RefusedImage:
        raise
    except DAMAGED:
        raise RefusedImage("The image file is damaged or truncated.") from None


def _is_animated(image: Image.Image) -> bool:
    return getattr(image, "n_frames", 1) > 1


def _reencode(image: Image.Image) -> EncodedImage:
    source_format = image.format
    animated = _is_animated(image)
    # Animated GIF/WebP/AVIF have no camera orientation worth applying frame by frame.
    clean = image if animated else _upright(image)
    clean.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    content = encode(clean, source_format, save_all=animated)
    return EncodedImage(content, source_format, clean.width, clean.height, animated)


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as the camera's EXIF orientation says; as is if that is unreadable.

    In place: a copy of a 48-megapixel photo is 144 MB more at the peak."""
    unreadable = (OSError, SyntaxError, ValueError, TypeError, KeyError, struct.error)
    with contextlib.suppress(*unreadable):
        ImageOps.exif_transpose(image, in_place=True)
    return image


def encode(image: Image.Image, fmt: str, *, save_all: bool = False) -> bytes:
    """`image` as `fmt` bytes, with our encoder settings and no metadata but colour."""
    quality = image_setting("QUALITY")
    # Only a valid profile (images/colour.py); b"" rather than no option, or Pillow falls
    # back to the image's own `info["icc_profile"]`.
    options: dict = {"icc_profile": valid_profile(image) or b""}
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=quality["JPEG"], optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=quality["WEBP"], method=4)
    elif fmt == "AVIF":
        options.update(quality=quality["AVIF"], speed=8)
    elif fmt == "PNG":
        options.update(optimize=False, compress_level=6)
    if save_all:
        options.update(save_all=True)
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def fallback_format(source_format: str, has_alpha: bool, animated: bool = False) -> str:
    """The format every browser shows: JPEG or PNG, as the original where it is one;
    GIF for an animation."""
    if animated:
        return "GIF"
    if source_format in ("JPEG", "PNG"):
        return source_format
    return "PNG" if has_alpha else "JPEG"


def rendition_widths(width: int) -> list[int]:
    """The configured widths, capped at the image's own width."""
    return sorted({min(target, width) for target in image_setting("WIDTHS")})


def make_renditions(
    content: bytes, skip: Collection[tuple[int, str]] = frozenset()
) -> Iterator[EncodedImage]:
    """Resized copies of a stored (already clean) original, in modern and fallback formats.

    Yields each one as soon as it is encoded, narrowest first, so the caller can store it
    and pages can use it while the wider ones are still being made. (width, format) pairs
    in `skip` (made before) are not made again. An animation gets animated renditions
    (WebP, and GIF for the fallback), every frame resized; its frames were counted
    against `MAX_PIXELS` at upload.
    """
    with _bomb_guard(), Image.open(io.BytesIO(content), formats=ACCEPTED_FORMATS) as source:
        if _is_animated(source):
            yield from _animated_renditions(source, skip)
            return
        source.load()
        original_format = source.format
        has_alpha = source.mode in ("RGBA", "LA", "PA") or "transparency" in source.info
        if source.mode not in ("RGB", "RGBA", "L", "LA"):
            source = source.convert("RGBA" if has_alpha else "RGB")
        for width, fmt in planned_renditions(source.width, original_format, has_alpha):
            if (width, fmt) in skip:
                continue
            height = max(1, round(source.height * width / source.width))
            resized = (
                source
                if width == source.width
                else source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
            )
            yield EncodedImage(encode(resized, fmt), fmt, width, height)


def _animated_renditions(
    source: Image.Image, skip: Collection[tuple[int, str]]
) -> Iterator[EncodedImage]:
    planned = [
        pair
        for pair in planned_renditions(source.width, source.format, True, animated=True)
        if pair not in skip
    ]
    if not planned:
        return
    widths = sorted({width for width, _fmt in planned})
    sizes = {w: (w, max(1, round(source.height * w / source.width))) for w in widths}
    # One frame decoded at a time; only the (smaller) resized frames are kept.
    frames: dict[int, list[Image.Image]] = {w: [] for w in widths}
    durations: list[int] = []
    max_pixels, total = image_setting("MAX_PIXELS"), 0
    for index in range(source.n_frames):
        source.seek(index)
        total += source.width * source.height
        if total > max_pixels:
            raise _too_big()
        frame = source.convert("RGBA")
        durations.append(int(source.info.get("duration", 100)))
        for width in widths:
            frames[width].append(
                frame if sizes[width] == frame.size else frame.resize(sizes[width])
            )
    loop = source.info.get("loop", 0)
    for width, fmt in planned:
        first, *rest = frames[width]
        out = io.BytesIO()
        options: dict = {"save_all": True, "append_images": rest, "duration": durations}
        options["loop"] = loop
        if fmt == "WEBP":
            options.update(quality=image_setting("QUALITY")["WEBP"], method=4)
        else:
            options["disposal"] = 2  # each GIF frame replaces the last
        first.save(out, format=fmt, **options)
        yield EncodedImage(out.getvalue(), fmt, *sizes[width], animated=True)


def planned_renditions(
    width: int, original_format: str, has_alpha: bool, *, animated: bool = False
) -> list[tuple[int, str]]:
    """(width, format) pairs to make: AVIF where supported, WebP, then the fallback
    (animations: WebP and GIF, as AVIF encoders are slow on every frame).

    The fallback at the original's own width would be the original again: skipped.
    """
    fallback = fallback_format(original_format, has_alpha, animated)
    modern = ["WEBP"] if animated else [f for f in ("AVIF", "WEBP") if f in ACCEPTED_FORMATS]
    return [
        (target, fmt)
        for target in rendition_widths(width)
        for fmt in dict.fromkeys([*modern, fallback])
        if not (fmt == original_format and target == width)
    ]
