"""Image library figures: rendition sizes and times for one sample photo, and the post
page's render time with and without a cover image.

    uv run python bench/images.py [--photo PATH.jpg] [--requests 200]

Without --photo it makes a 4032x3024 phone-style JPEG (gradients, texture, GPS in EXIF).
Pages are rendered in-process by Django's test client against a throwaway SQLite
database with the page cache off, so the figure is the view + template cost alone.
Loopback only; nothing is written outside a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="broadsheet-bench-images-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.local",
    DJANGO_DEBUG="0",
    DATABASE_URL=f"sqlite:///{TMP}/db.sqlite3",
    DJANGO_MEDIA_ROOT=f"{TMP}/media",
    BROADSHEET_PAGE_CACHE_SECONDS="0",
    DJANGO_ALLOWED_HOSTS="testserver",
)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from images import processing, services  # noqa: E402
from tests.images import samples  # noqa: E402


def sample_photo(path: str | None) -> bytes:
    if path:
        return Path(path).read_bytes()
    return samples.encoded("JPEG", (4032, 3024), orientation=1)


def renditions_report(photo: bytes) -> None:
    started = time.perf_counter()
    clean = processing.clean_upload(io.BytesIO(photo))
    cleaned = time.perf_counter() - started
    print(f"sample photo: {len(photo) / 1024:.0f} KB JPEG, {clean.width}x{clean.height}")
    print(
        f"upload check + EXIF strip + re-encode: {cleaned * 1000:.0f} ms, stored original "
        f"{len(clean.content) / 1024:.0f} KB"
    )
    started, first = time.perf_counter(), None
    rows = []
    for rendition in processing.make_renditions(clean.content):
        first = first or time.perf_counter() - started
        rows.append((rendition.width, rendition.height, rendition.format, len(rendition.content)))
    total = time.perf_counter() - started
    print(f"renditions: first after {first * 1000:.0f} ms, all {len(rows)} in {total:.1f} s")
    print(f"  {'width':>5} {'height':>6} {'format':<6} {'size':>9}")
    for width, height, fmt, size in rows:
        print(f"  {width:>5} {height:>6} {fmt:<6} {size / 1024:>7.0f} KB")


def render_times(photo: bytes, requests: int) -> None:
    call_command("migrate", verbosity=0)
    setup_test_environment()
    from tests.factories import PostFactory

    with_cover = services.image_create(
        upload=io.BytesIO(photo), alt_text="A harbour at dawn", uploaded_by=None
    )
    services.renditions_make(image=with_cover)
    plain, covered = PostFactory(), PostFactory(cover_image=with_cover)
    client = Client()
    for label, post in (("without image", plain), ("with cover image", covered)):
        url = post.get_absolute_url()
        for _ in range(20):  # warm up templates and connections
            assert client.get(url).status_code == 200
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(
            f"post page {label}: median {statistics.median(times):.2f} ms, "
            f"p95 {times[int(len(times) * 0.95)]:.2f} ms over {requests} renders"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    photo = sample_photo(args.photo)
    renditions_report(photo)
    render_times(photo, args.requests)


if __name__ == "__main__":
    main()
