"""Conditional requests on posts: ETag / Last-Modified, 304 on reads, 412 on stale writes.

A post's version is its `updated_at` (`post_version`): every save changes it, and the
admin's optimistic locking compares the same token, so a version read from the API is
good for the admin and the other way round. No separate version column.

- `ETag: "<version>"` (strong: it names one stored version of the post) and
  `Last-Modified` on a post's detail; `If-None-Match` / `If-Modified-Since` → 304.
- `If-Match` / `If-Unmodified-Since` on PUT, PATCH and DELETE → 412 when the post has
  changed since; checked after the row is locked, so two writers cannot both pass.
- Lists get a content ETag from `django.middleware.http.ConditionalGetMiddleware`
  and a `Last-Modified` from `lists_last_modified`.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from ..models import Post
from .problems import PreconditionFailed


def post_version(post: Post) -> str:
    """The version token of a post (`Post.version`, shared with the admin's locking)."""
    return post.version


def post_etag(post: Post) -> str:
    return quote_etag(post_version(post))


def _seconds(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def not_modified(request: HttpRequest, post: Post) -> HttpResponse | None:
    """A 304 when the client's copy of `post` is current (GET and HEAD only)."""
    response = get_conditional_response(
        request, etag=post_etag(post), last_modified=_seconds(post.updated_at)
    )
    if response is not None and response.status_code == 304:
        return add_validators(response, post)
    return None


def check_preconditions(request: HttpRequest, post: Post) -> None:
    """Raise 412 when If-Match / If-Unmodified-Since name an older version of `post`.

    Call it with the row locked (`select_for_update`). A write without those headers
    passes: conditional writes are the client's choice.
    """
    response = get_conditional_response(
        request, etag=post_etag(post), last_modified=_seconds(post.updated_at)
    )
    if response is not None and response.status_code == 412:
        raise PreconditionFailed()


def add_validators(response: HttpResponse, post: Post) -> HttpResponse:
    response["ETag"] = post_etag(post)
    response["Last-Modified"] = http_date(post.updated_at.timestamp())
    return response


def add_last_modified(response: HttpResponse, moment: datetime | None) -> HttpResponse:
    if moment is not None and response.status_code == 200:
        response["Last-Modified"] = http_date(moment.timestamp())
    return response
