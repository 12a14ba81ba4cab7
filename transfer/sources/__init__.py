"""Readers: one module per format, each turning a file into `transfer.records`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from blog.models import Post


class NotAnExport(ValueError):
    """The file is not an export of the format asked for; the message says what it is."""


def review_status() -> str | None:
    """The "in review" status, when the blog has one (the editors' work adds it)."""
    for status in Post.Status:
        if status.value in ("review", "in_review", "pending"):
            return status.value
    return None


def aware(value: datetime, zone: str) -> datetime:
    """A naive source datetime read in `zone` (the source site's time zone)."""
    if value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(zone))
