"""Image files made on the spot for the tests: photos with GPS, bombs, fakes, truncations.

Nothing is downloaded; each helper returns the bytes of a file as a camera or an attacker
would send it.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw

# A spot in Lisbon, as a phone writes it: degrees, minutes, seconds as rationals.
GPS = {1: "N", 2: (38.0, 42.0, 25.0), 3: "W", 4: (9.0, 8.0, 21.0)}
ORIENTATION_ROTATE_90 = 6  # "rotate 90° clockwise to display"


def photo(size: tuple[int, int] = (1200, 800), mode: str = "RGB") -> Image.Image:
    """A photo-like picture: a gradient sky, noise for texture, a few shapes."""
    width, height = size
    noise = Image.effect_noise(size, 40).convert("L")
    gradient = Image.linear_gradient("L").resize(size)
    base = Image.merge("RGB", (gradient, noise, Image.radial_gradient("L").resize(size)))
    draw = ImageDraw.Draw(base)
    draw.ellipse((width // 4, height // 4, width // 2, height // 2), fill=(200, 80, 30))
    draw.rectangle((width // 2, height // 2, width - 10, height - 10), fill=(20, 120, 200))
    return base.convert(mode) if mode != "RGB" else base


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[0xA431] = "SERIAL-12345"  # BodySerialNumber (in the Exif IFD in real files)
    exif.get_ifd(0x8825).update(GPS)  # the GPS IFD
    if orientation:
        exif[0x0112] = orientation
    return exif


def encoded(
    fmt: str,
    size: tuple[int, int] = (1200, 800),
    *,
    gps: bool = True,
    orientation: int | None = None,
    mode: str = "RGB",
) -> bytes:
    """`photo()` saved as `fmt`, with EXIF (GPS, camera, serial) where the format has it."""
    image = photo(size, mode)
    out = io.BytesIO()
    options: dict = {}
    if gps and fmt in ("JPEG", "PNG", "WEBP", "AVIF"):
        options["exif"] = exif_with_gps(orientation)
    if fmt == "JPEG":
        options["comment"] = b"shot at home, 12 Rua Example"
    if fmt == "GIF":
        image = image.convert("P")
    image.save(out, format=fmt, **options)
    return out.getvalue()


def cut_animated_gif(length: int) -> bytes:
    """The first `length` bytes of a six-frame GIF of noise (5,265 bytes). Cut at 899 (in a
    frame's descriptor) Pillow's frame count raises IndexError; at 910, struct.error."""
    rng = random.Random(1)
    frames = [
        Image.frombytes("P", (40, 30), bytes(rng.randrange(16) for _ in range(1200)))
        for _ in range(6)
    ]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return out.getvalue()[:length]


def animated_gif(frames: int = 3, size: tuple[int, int] = (64, 48)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", size, colours[i % 4]).convert("P") for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], duration=100)
    return out.getvalue()


def _gif_frame(side: int, colour: int) -> bytes:
    """One `side` x `side` one-colour GIF frame: its descriptor (with a local colour
    table) and LZW data, ready to splice into another GIF."""
    image = Image.new("P", (side, side), colour)
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0] + [0] * 756)
    out = io.BytesIO()
    image.save(out, format="GIF", optimize=False)
    data = out.getvalue()
    flags = data[10]
    table = 3 << ((flags & 7) + 1) if flags & 0x80 else 0
    palette = data[13 : 13 + table]
    at = 13 + table
    while data[at] == 0x21:  # extensions: skip their sub-blocks
        at += 2
        while data[at]:
            at += data[at] + 1
        at += 1
    descriptor = bytearray(data[at : at + 10])
    descriptor[9] = 0x80 | (flags & 7) if table else descriptor[9]
    return bytes(descriptor) + palette + data[at + 10 : -1]


def gif_growing(big_frames: int, side: int) -> bytes:
    """A GIF whose header and first frame say 64x64, followed by `big_frames` frames of
    `side` x `side`: Pillow grows the canvas when it decodes them."""
    small = _gif_frame(64, 0)
    header = b"GIF89a" + struct.pack("<HHBBB", 64, 64, 0, 0, 0)
    frames = [small] + [_gif_frame(side, 1 + i % 3) for i in range(big_frames)]
    delay = b"\x21\xf9\x04\x00\x0a\x00\x00\x00"  # graphic control: 100 ms
    return header + b"".join(delay + frame for frame in frames) + b";"


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid 1-bit PNG of `width` x `height` (400 megapixels) that is ~60 KB on disk."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
  <script>alert(document.cookie)</script><rect width="10" height="10"/>
</svg>"""

TEXT_NAMED_JPG = b"Just some notes, not a picture at all.\n" * 10


def truncated_jpeg() -> bytes:
    whole = encoded("JPEG", (800, 600), gps=False)
    return whole[: len(whole) // 2]
