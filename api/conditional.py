"""Conditional requests on versioned resources (posts): ETag, Last-Modified, 304, 412.

A post's version is its `recorded_at` (`post_version`): every write here changes it, an
import too (which keeps the source's `updated_at`), and the admin's optimistic locking
compares the same token, so a version read from the API is good for the admin and the
other way round (the version part of the tag: the API's tag adds the state the clock
gives the post). No separate version column.

- `ETag: "<version>"` (strong: it names one stored version of the post; `-scheduled` or
  `-expired` appended while the clock gives it that state) and `Last-Modified` (its last
  write, or a go-live or expiry passed since) on a post's detail; `If-None-Match` /
  `If-Modified-Since` → 304.
- `If-Match` / `If-Unmodified-Since` on PUT, PATCH and DELETE → 412 when the post has
  changed since; checked after the row is locked, so two writers cannot both pass. On
  GET and HEAD a stale `If-Match` is a 412 too. Every 412 is a problem document.
- `If-Match` compares the version, not the spelling: `W/"v"` matches `"v"`
  (`VersionTagsMiddleware`). A compressing proxy (the production nginx gzips JSON) must
  mark a strong tag weak, since the bytes differ; clients send back what they got.
- Lists get a content ETag from `django.middleware.http.ConditionalGetMiddleware`
  and a `Last-Modified` from `lists_last_modified`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_etags, quote_etag

from api.problems import MEDIA_TYPE, PreconditionFailed, problem_response


class Post(Protocol):
    """What conditional requests need of a resource: its version token, the state the
    clock gives it (or ""), and when what it shows last changed."""

    version: str
    clock_state: str
    last_modified: datetime


def post_version(post: Post) -> str:
    """The version token of a post (`Post.version`, shared with the admin's locking)."""
    return post.version


def post_etag(post: Post, variant: str = "") -> str:
    """The post's tag: its version, then the state the clock gives it (`scheduled`,
    `expired`: a go-live or an expiry changes what the post shows with no write, so the
    tag changes too), then `variant`, another representation of the same version (a
    members-only post without its body, for a reader who may not read it), so a client
    never takes one for the other (a 304 after signing in would keep the teaser)."""
    return quote_etag(
        "-".join(part for part in (post_version(post), post.clock_state, variant) if part)
    )


def _seconds(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def not_modified(request: HttpRequest, post: Post, variant: str = "") -> HttpResponse | None:
    """A 304 when the client's copy of `post` is current (GET and HEAD only); a 412
    problem when `If-Match` names another version."""
    response = get_conditional_response(
        request,
        etag=post_etag(post, variant),
        # A variant is told apart by its tag alone: a date cannot say which one you hold.
        last_modified=None if variant else _seconds(post.last_modified),
    )
    if response is not None and response.status_code == 412:
        raise PreconditionFailed()
    if response is not None and response.status_code == 304:
        return add_validators(response, post, variant)
    return None


def expected_version(request: HttpRequest) -> str | None:
    """The one version `If-Match` names, for the optimistic lock (`blog.services`); None
    when it names none, several or `*` (`check_preconditions` decides those). The tag's
    state part is checked there: a post gone live since the client read it is a 412."""
    tags = parse_etags(request.META.get("HTTP_IF_MATCH", ""))
    if len(tags) != 1 or tags[0] == "*":
        return None
    tag = tags[0].removeprefix("W/").strip('"')
    version = re.match(r"-?\d+", tag)  # before 1970 a version is negative
    return version.group() if version else tag


def check_preconditions(request: HttpRequest, post: Post) -> None:
    """Raise 412 when If-Match / If-Unmodified-Since name an older version of `post`.

    Call it with the row locked (`select_for_update`). A write without those headers
    passes: conditional writes are the client's choice.
    """
    response = get_conditional_response(
        request, etag=post_etag(post), last_modified=_seconds(post.last_modified)
    )
    if response is not None and response.status_code == 412:
        raise PreconditionFailed()


def add_validators(response: HttpResponse, post: Post, variant: str = "") -> HttpResponse:
    response["ETag"] = post_etag(post, variant)
    if not variant:
        response["Last-Modified"] = http_date(post.last_modified.timestamp())
    return response


def add_last_modified(response: HttpResponse, moment: datetime | None) -> HttpResponse:
    if moment is not None and response.status_code == 200:
        response["Last-Modified"] = http_date(moment.timestamp())
    return response


def strong_tags(header: str) -> str:
    """An `If-Match` value with every tag strong: `W/"3", "4"` → `"3", "4"`.

    A malformed header comes back empty, which Django's conditional code ignores (as it
    ignores the malformed header itself).
    """
    return ", ".join(tag.removeprefix("W/") for tag in parse_etags(header))


class VersionTagsMiddleware:
    """`If-Match` compares versions, not bytes; a 412 under /api/ is a problem document.

    Our ETags name versions (a post's `version`) or the uncompressed content (a list's
    hash), never the bytes on the wire. nginx's gzip rightly turns `"v"` into `W/"v"`
    and clients send that back, but Django compares `If-Match` strongly (RFC 9110 §13.1.1,
    right for byte-range reuse, which the API does not offer), so every conditional write
    through nginx was a 412. Rewriting the header once, before any view or
    middleware reads it, keeps Django's own conditional code (`get_conditional_response`,
    `ConditionalGetMiddleware`, the page cache) as the one place that decides.

    A 412 that Django answers with an empty body (`ConditionalGetMiddleware` on a GET)
    becomes the same problem document the API's own 412 is. Put it before
    `ConditionalGetMiddleware`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if_match = request.META.get("HTTP_IF_MATCH")
        if if_match:
            request.META["HTTP_IF_MATCH"] = strong_tags(if_match)
        response = self.get_response(request)
        if (
            response.status_code == 412
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith(MEDIA_TYPE)
        ):
            detail = str(PreconditionFailed.default_detail)
            return problem_response(412, detail, "precondition_failed")
        return response
