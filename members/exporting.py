"""Members as CSV, streamed: the admin's "Export" button and action.

The columns are what `members.importing` reads back as our own format (a round trip
keeps address, name, status, dates, newsletters and a disabled address):

    email, name, status, created_at, confirmed_at, newsletters, mail_disabled_reason

`newsletters` holds slugs separated by `;`. Every cell a spreadsheet would run as a
formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) gets a leading
apostrophe, which the import takes off again: the name, which a member chooses, and the
address too (`=cmd|'/C calc'!A0@example.com` is a valid address), whatever the column.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from newsletters.models import Newsletter

from .importing import FORMULA_STARTS
from .models import Member

COLUMNS = [
    "email", "name", "status", "created_at", "confirmed_at", "newsletters",
    "mail_disabled_reason",
]  # fmt: skip
CHUNK = 1000


class _Echo:
    """A file-like object whose `write` returns the line: csv.writer without a buffer."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _time(moment) -> str:
    return moment.isoformat() if moment else ""


def member_rows(members: QuerySet[Member]) -> Iterator[list[str]]:
    """The header, then one row per member, read `CHUNK` members (and their newsletters,
    one more query) at a time."""
    yield COLUMNS
    newsletters = Prefetch("newsletters", queryset=Newsletter.objects.only("slug"))
    for member in members.prefetch_related(newsletters).iterator(chunk_size=CHUNK):
        disabled = member.email_disabled_reason or (
            "Mail disabled" if member.email_disabled_at else ""
        )
        row = [
            member.email,
            member.name,
            member.status,
            _time(member.created_at),
            _time(member.confirmed_at),
            ";".join(sorted(n.slug for n in member.newsletters.all())),
            disabled,
        ]
        yield [_cell(value) for value in row]


def csv_response(members: QuerySet[Member]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in member_rows(members)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="members-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"  # addresses: kept by no cache
    return response
