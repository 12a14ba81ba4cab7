"""A library picture's bytes for an import: from the old site's media folder, never a
path outside it, or downloaded from the old site within bounds (size, time, redirects,
http and https only). `transfer.importer` hands them to the image library's own upload.
"""

from __future__ import annotations

import time
import urllib.request
from http.client import HTTPException
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

# Downloading a picture from the old site: seconds to connect and between reads, seconds
# for the whole file, redirects followed. The size limit is the library's (MAX_BYTES).
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_DEADLINE = 120
DOWNLOAD_REDIRECTS = 3


class PictureUnavailable(Exception):
    """A picture's bytes could not be had: `reason` is the summary's, the message its
    detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def read_picture(media_dir: Path, name: str, max_bytes: int) -> bytes:
    """The file `name` (a storage name, "images/3f2a….png") under `media_dir`; never a
    path outside it."""
    base = media_dir.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not name:
        raise PictureUnavailable("file outside the media folder", repr(name))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise PictureUnavailable("too large", f"{name}: {size:,} bytes, over {max_bytes:,}")
        return path.read_bytes()
    except FileNotFoundError:
        raise PictureUnavailable("file not found", f"no {name} in {base}") from None
    except (IsADirectoryError, PermissionError, OSError) as error:
        raise PictureUnavailable("file unreadable", f"{name}: {error}") from None


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = DOWNLOAD_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise URLError(f"redirected to a non-http address {newurl[:100]!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download_picture(url: str, max_bytes: int) -> bytes:
    """The picture at `url` (http or https), at most `max_bytes`, within
    `DOWNLOAD_TIMEOUT` per read and `DOWNLOAD_DEADLINE` in all, following at most
    `DOWNLOAD_REDIRECTS` redirects. Raises `PictureUnavailable` saying why not."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise PictureUnavailable("no http(s) address", repr(url[:200]))
    opener = urllib.request.build_opener(_Redirects)
    # The scheme is checked above, and each redirect's by `_Redirects`.
    request = urllib.request.Request(url, headers={"User-Agent": "Broadsheet-import"})  # noqa: S310
    deadline = time.monotonic() + DOWNLOAD_DEADLINE
    try:
        with opener.open(request, timeout=DOWNLOAD_TIMEOUT) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise PictureUnavailable("too large", f"{url}: {int(declared):,} bytes")
            chunks, size = [], 0
            # read1: what has arrived, so the deadline is checked while a slow server
            # trickles (read() waits for the whole 64 KB, each byte within the timeout).
            while chunk := response.read1(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise PictureUnavailable("too large", f"{url}: over {max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise PictureUnavailable("download failed", f"{url}: too slow")
                chunks.append(chunk)
            return b"".join(chunks)
    except HTTPError as error:
        raise PictureUnavailable("download failed", f"{url}: HTTP {error.code}") from None
    except (URLError, HTTPException, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise PictureUnavailable("download failed", f"{url}: {reason}") from None
