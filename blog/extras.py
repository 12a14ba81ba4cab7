"""Read-only values that apps above blog show with each post, without blog importing them.

A comment count is the first: `comments` knows how to count, blog knows where posts are
listed. The app registers a `PostExtra` from its `AppConfig.ready()`:

    from blog import extras

    extras.register(extras.PostExtra(
        name="comment_count",
        values=approved_counts,  # post ids → {post id: value}: ONE query for a whole page
        default=0,
        api_field=lambda: serializers.IntegerField(read_only=True),
        summary_template="comments/_summary_count.html",
    ))

and blog then, with one query per extra and page (never one per post):

- **listings** (home, archives, search: `blog.fragments.post_summaries`): each summary is
  rendered with its post's values set as attributes (`post.comment_count`) and the
  extra's `summary_template` included at its end. A summary's cache key names the values,
  so a new comment re-renders that post's summary only; a cached listing page is served
  while the extras' versions it was built under are current (`version_key`, read in the
  page's one round trip: the home page without it cost a query and half its speed), or,
  for an extra without a version, after comparing its values with the current ones.
- **the API** (`blog.api.serializers.PostSerializer`): a read-only field per extra, named
  `name`, in lists (read once per page) and details.

The values are read on every build of a page: what the page cache and nginx keep
(`PAGE_CACHE_SECONDS`, the micro-cache) is as fresh as the rest of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import uuid4


@dataclass(frozen=True)
class PostExtra:
    name: str  # the attribute set on each post, and the API field's name
    # The values for these post ids, in one query; a post left out gets `default`.
    values: Callable[[list[int]], Mapping[int, Any]]
    default: Any = None
    api_field: Callable[[], Any] | None = None  # a read-only DRF field, made per serializer
    summary_template: str = ""  # included at the end of a listing's summary, with `post`
    # A cache key whose value the app replaces after every commit that may change any
    # post's value (`new_version`). A listing page kept with the versions it was built
    # under is served while they are current, read in its one round trip; without one
    # ("") the values are read again (one query) before a kept page is served.
    version_key: str = ""


_extras: dict[str, PostExtra] = {}


def register(extra: PostExtra) -> None:
    """Add `extra` (again with the same name: replaced, so `ready()` may run twice)."""
    _extras[extra.name] = extra


def registered() -> list[PostExtra]:
    return list(_extras.values())


def values_for(post_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """`{post id: {name: value}}` for every registered extra: one query each, none when
    no app registered any (or no ids are given)."""
    ids = sorted(set(post_ids))
    found: dict[int, dict[str, Any]] = {pk: {} for pk in ids}
    if not ids:
        return found
    for extra in _extras.values():
        values = extra.values(ids)
        for pk in ids:
            found[pk][extra.name] = values.get(pk, extra.default)
    return found


def attach(posts: Iterable[Any], values: Mapping[int, Mapping[str, Any]] | None = None) -> None:
    """Set each extra's value as an attribute of each post (`values`: read now if None)."""
    posts = [post for post in posts if getattr(post, "pk", None) is not None]
    if not _extras or not posts:
        return
    values = values_for(post.pk for post in posts) if values is None else values
    for post in posts:
        for extra in _extras.values():
            setattr(post, extra.name, values.get(post.pk, {}).get(extra.name, extra.default))


def attached(post: Any) -> bool:
    """Has `attach` set this post's values already (a list's page does it once)?"""
    return all(hasattr(post, name) for name in _extras)


def stamp(values: Mapping[str, Any] | None) -> str:
    """A short text naming `values`, for a cache key ("" with no extras)."""
    if not values:
        return ""
    return ",".join(f"{name}={values[name]}" for name in sorted(values))


def summary_templates() -> list[str]:
    return [extra.summary_template for extra in _extras.values() if extra.summary_template]


def version_keys() -> list[str]:
    """The cache keys of the extras' versions (read with a listing's other cached values)."""
    return [extra.version_key for extra in _extras.values() if extra.version_key]


def versions(found: Mapping[str, Any]) -> tuple | None:
    """The extras' current versions, from the values read under `version_keys()`; None
    when an extra has none or a version is not in the cache (evicted, flushed)."""
    if any(not extra.version_key for extra in _extras.values()):
        return None
    current = tuple(found.get(key) for key in version_keys())
    return None if None in current else current


def new_version(key: str) -> None:
    """Replace the version under `key` (an extra's `version_key`): after a commit that
    may change a value, so that what was built under the old one is not served."""
    from django.core.cache import cache

    cache.set(key, uuid4().hex, timeout=None)


def ensure_versions() -> tuple | None:
    """The extras' versions, each first set if the cache has none, so that a listing
    built now can be kept with them."""
    from django.core.cache import cache

    for key in version_keys():
        cache.add(key, uuid4().hex, timeout=None)
    return versions(cache.get_many(version_keys()))
