"""Decode untrusted images in a child process with a memory and CPU limit.

Checking every frame's size before decoding it (`processing`) bounds what a well-formed
file can ask for; it does not bound what a decoder does with it (a 1 KB 7000x7000 AVIF
made libavif peak at 1.4 GB). So the web process never decodes an upload, and the worker
never decodes an original, itself: `clean_upload` and `make_renditions` run in a fresh
`python -m images.isolation` whose address space (`RLIMIT_AS`) and CPU time
(`RLIMIT_CPU`) are capped by `BROADSHEET_IMAGES["DECODE_MEMORY"]` and
`["DECODE_SECONDS"]`. A child that hits either is refused like any bad image; the
server process itself is never at risk. The limits are set by the child on itself
before it reads a byte (not with `preexec_fn`, which is unsafe in threaded servers).

The protocol is bytes only (no pickle, since the child handles hostile input): a JSON
header line and the file to the child; back, per result, a JSON line and that many
bytes, or one JSON line `{"refused": message}`.

Costs a fresh interpreter per upload or rendition job (~0.1 s of CPU), which uploads
can afford. Python's own `multiprocessing` would fork a threaded server or re-import
Django; a worker pool with a memory limit (billiard) would be a second Celery.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

from .conf import image_setting
from .processing import EncodedImage, RefusedImage

logger = logging.getLogger(__name__)
_PROJECT = str(Path(__file__).resolve().parents[1])  # where `images` is importable from

OUT_OF_LIMITS = (
    "The image needs more memory or time to decode than the server gives one image; "
    "upload a smaller one."
)


def clean_upload(content: bytes) -> EncodedImage:
    """`processing.clean_upload` of `content`, in a limited child process."""
    results = list(_run("clean", content))
    return results[0]


def make_renditions(
    content: bytes, skip: Collection[tuple[int, str]] = frozenset()
) -> Iterator[EncodedImage]:
    """`processing.make_renditions` of a stored original, in a limited child process;
    each rendition is yielded as soon as the child has made it."""
    yield from _run("renditions", content, skip=sorted(skip))


def _run(operation: str, content: bytes, **options) -> Iterator[EncodedImage]:
    names = ("MAX_BYTES", "MAX_PIXELS", "WIDTHS", "QUALITY", "DECODE_MEMORY", "DECODE_SECONDS")
    header = {"operation": operation, "settings": {n: image_setting(n) for n in names}}
    header.update(options)
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "images.isolation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            # Two malloc arenas: each thread's own 64 MB reservation would count against
            # the address-space limit without holding an image.
            env={
                **os.environ,
                "MALLOC_ARENA_MAX": "2",
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [_PROJECT, os.environ.get("PYTHONPATH")])
                ),
            },
        )
        try:
            # The child reads all of its input before it writes: no deadlock.
            child.stdin.write(json.dumps(header).encode() + b"\n" + content)
            child.stdin.close()
            while line := child.stdout.readline():
                result = json.loads(line)
                if "refused" in result:
                    raise RefusedImage(result["refused"])
                data = child.stdout.read(result.pop("length"))
                yield EncodedImage(content=data, **result)
        finally:
            child.stdout.close()
            code = child.wait()
        if code != 0:
            errors.seek(0)
            logger.warning(
                "image %s stopped (exit %s): %s",
                operation,
                code,
                errors.read()[-2000:].decode(errors="replace"),
            )
            raise RefusedImage(OUT_OF_LIMITS)


def _child() -> int:
    """The child's side: limit itself, read, process, write; never raises for input."""
    import resource

    header = json.loads(sys.stdin.buffer.readline())
    options = header["settings"]
    memory, seconds = options["DECODE_MEMORY"], options["DECODE_SECONDS"]
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    content = sys.stdin.buffer.read()

    from django.conf import settings

    settings.configure(BROADSHEET_IMAGES=options)
    from PIL import Image

    from . import processing

    # In this process only: Pillow's own guard at our limit (a warning past it, which
    # processing turns into a refusal; an error at twice it).
    Image.MAX_IMAGE_PIXELS = options["MAX_PIXELS"]
    out = sys.stdout.buffer
    try:
        if header["operation"] == "clean":
            import io

            results = [processing.clean_upload(io.BytesIO(content))]
        else:
            skip = {(width, fmt) for width, fmt in header["skip"]}
            results = processing.make_renditions(content, skip=skip)
        for encoded in results:
            meta = {
                "format": encoded.format,
                "width": encoded.width,
                "height": encoded.height,
                "animated": encoded.animated,
                "length": len(encoded.content),
            }
            out.write(json.dumps(meta).encode() + b"\n" + encoded.content)
            out.flush()
    except RefusedImage as refused:
        out.write(json.dumps({"refused": str(refused)}).encode() + b"\n")
    except MemoryError:
        return 3  # the parent answers OUT_OF_LIMITS
    return 0


if __name__ == "__main__":
    sys.exit(_child())
