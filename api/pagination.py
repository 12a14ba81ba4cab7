"""Pages of a list: numbered by default, or a keyset cursor for syncing clients.

`?page=` and `?page_size=` (at most 100) give numbered pages with the total count, read
as `pagecache.paginator` reads listings: deep pages by primary key from the nearer end, and the
count kept until the content changes, under a key naming the view's action, whose posts
the user sees and the filters (the view's `count_key(request)`: the key, and whether the
clock changes the count, as it does for any list of public posts). Any
`?cursor=` (empty to start) switches to cursor pages in the sync order, oldest change
first (the sync marker `Post.changed_at`, then `id`): each page's `next` continues
strictly after the last row served, so a crawl never repeats a post or skips one, however
many are published meanwhile; a post changed during the crawl comes again, later, with
its new version. The marker of a scheduled post is its go-live, so the crawl meets it
when it goes public. Rows whose marker is within the last `SETTLE_SECONDS`, or within
`SETTLE_SECONDS` of the start of a transaction still writing, or later (`settled_until`),
are held back until then, so a save that commits after it stamped its time
(`Post.recorded_at`) is not passed over. The last page has
`next: null` and a `cursor` to resume from later. Cursor pages are never cached
(`Cache-Control: no-store`): the clock changes them. `?ordering=` and `?page=` do not
apply to cursor pages, so with `?cursor=` they are a 400, not silently ignored.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from pagecache.paginator import DeferredJoinPaginator

SETTLE_SECONDS = 2
# A cursor as the schema gives it (posts' and tombstones' alike); empty starts a crawl.
CURSOR_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]*$", "maxLength": 200}


# When the oldest other client transaction that has written and not committed began.
OPEN_WRITES = """
    SELECT min(xact_start) FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type = 'client backend'
      AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL
"""


def settled_until() -> datetime:
    """The latest marker a cursor page may pass: `SETTLE_SECONDS` before now, or on
    PostgreSQL before the start of the oldest other transaction still writing.

    A write stamps its time (the app's clock) when it saves and becomes visible when it
    commits; a page that passed the stamp before the commit would skip the row for good.
    The contract: a write starts writing within `SETTLE_SECONDS` of its stamp (the margin
    also absorbs the two clocks' skew). However long it then stays open (a busy machine,
    a lock wait, a request-wide transaction, an import), PostgreSQL lists it, and pages
    wait for it: a transaction left open holds syncing clients back until it ends.
    Another role's sessions show no start to a role without `pg_read_all_stats`
    (docs/deploy.md); SQLite (one writer at a time) has only the margin."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(OPEN_WRITES)
            (oldest,) = cursor.fetchone()
        if oldest is not None:
            now = min(now, oldest)
    return now - timedelta(seconds=SETTLE_SECONDS)


def never_cached(response: Response) -> Response:
    """A syncing client's page: what it holds changes with the clock (the settling time
    passes, a scheduled post goes live) as well as with writes, so no cache keeps it."""
    response["Cache-Control"] = "no-store"
    return response


def encode_cursor(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        moment, pk = raw.split("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        # In UTC: an offset like +23:59 is valid in Python, out of range in PostgreSQL.
        return parsed.astimezone(UTC), int(pk)
    except (ValueError, UnicodeDecodeError, OverflowError) as error:
        # A 404 like DRF's own CursorPagination: no page is there (the token is opaque;
        # its alphabet and length are checked, and documented, by `api.params`).
        raise NotFound("Invalid cursor: use a `next` or `cursor` value.") from error


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100); the response carries the total count."""

    page_size_query_param = "page_size"
    max_page_size = 100
    django_paginator_class = DeferredJoinPaginator

    def paginate_queryset(self, queryset, request, view=None):
        count_key = getattr(view, "count_key", None)
        if count_key is not None:
            key, timed = count_key(request)
            self.django_paginator_class = partial(
                type(self).django_paginator_class, count_key=key, count_timed=timed
            )
        return super().paginate_queryset(queryset, request, view)


class PostPagination(PageNumberPagination):
    """Numbered pages, or cursor pages when `?cursor=` is present (module docstring)."""

    cursor_query_param = "cursor"
    not_with_cursor = ("ordering", "page")  # cursor pages come in sync order, by `next`

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super().paginate_queryset(queryset, request, view)
        refused = sorted(set(self.not_with_cursor) & set(request.query_params))
        if refused:
            message = "Not with `cursor`: cursor pages come in sync order; follow `next`."
            raise ValidationError({name: [message] for name in refused})
        self.request = request
        size = self.get_page_size(request)
        token = request.query_params[self.cursor_query_param]
        queryset = queryset.with_marker().filter(marker__lte=settled_until())
        if token:
            moment, pk = decode_cursor(token)
            queryset = queryset.filter(Q(marker__gt=moment) | Q(marker=moment, pk__gt=pk))
        # The cursor is the last row's marker as the query saw it, not `changed_at` read
        # afterwards: a row whose expiry passes meanwhile (or is past: editors list
        # expired posts) shows its expiry as `changed_at`, and resuming from that later
        # time skipped every post in between.
        queryset = queryset.annotate(cursor_at=F("marker"))
        rows = list(queryset.order_by("marker", "pk")[: size + 1])
        self.has_more = len(rows) > size
        self.rows = rows[:size]
        last = self.rows[-1] if self.rows else None
        self.resume = encode_cursor(last.cursor_at, last.pk) if last else token
        return self.rows

    def get_paginated_response(self, data):
        if not self.cursor_mode:
            return super().get_paginated_response(data)
        url = self.request.build_absolute_uri()
        next_url = replace_query_param(url, self.cursor_query_param, self.resume)
        response = Response(
            {
                "count": None,
                "next": next_url if self.has_more else None,
                "previous": None,
                "cursor": self.resume,
                "results": data,
            }
        )
        return never_cached(response)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["nullable"] = True
        paged["properties"]["count"]["description"] = "Total; null on cursor pages."
        paged["properties"]["cursor"] = {
            "type": "string",
            "description": "Cursor pages only: resume the crawl from here later.",
        }
        return paged

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Cursor pages in sync order (oldest change first); empty to start. "
                    "With it, `ordering` and `page` are a 400. An unknown cursor is a 404."
                ),
                "schema": CURSOR_SCHEMA,
            },
        ]
