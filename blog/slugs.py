"""Slug generation, in one place: from a title, unique within a model, never colliding."""

import unicodedata
from collections.abc import Callable, Collection

from anyascii import anyascii
from django.db import models
from django.utils.text import slugify

MAX_LENGTH = 200


def slug_from(text: str) -> str:
    """The slug `text` reads as: its letters transliterated to ASCII first (`Привет мир`
    is `privet-mir`, `Straße` `strasse`), since Django's `slugify` drops what is not
    Latin and a Russian or Japanese title would leave nothing; symbols and emoji dropped,
    as `slugify` drops them (anyascii would spell 🚀 as `:rocket:`); bounded."""
    letters = "".join(" " if unicodedata.category(c)[0] == "S" else c for c in text)
    return slugify(anyascii(letters))[:MAX_LENGTH].strip("-")


def unique_slug(
    instance: models.Model, source: str, *, field: str = "slug", reserved: Collection[str] = ()
) -> str:
    """A slug for `instance` made from `source`, with `-2`, `-3`, … appended on collision.

    A title with nothing to spell (punctuation only) falls back to the model's name.
    `reserved` holds slugs taken by rows not saved yet (a bulk import's current batch).
    """
    model = type(instance)
    # The base manager holds every row of the table: a page and a post share the slug
    # column (and its unique index), whatever their default managers show.
    base = slug_from(source) or model._meta.model_name
    others = (
        model._base_manager.exclude(pk=instance.pk) if instance.pk else (model._base_manager.all())
    )
    taken = set(others.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    if hasattr(instance, "get_absolute_url"):
        from .redirects import reserved_slugs

        taken |= reserved_slugs(instance, base)  # old addresses that still lead elsewhere
    if getattr(instance, "at_site_root", False):
        taken.update(root_names())  # a page made "About admin" is not /admin/
    candidate, n = base, 2
    taken.update(s for s in reserved if s.startswith(base))
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: MAX_LENGTH - len(suffix)] + suffix
        n += 1
    return candidate


RESERVED = (
    "This address used to belong to another page and still leads there from old links; "
    "pick another slug."
)


_root_names: Callable[[], Collection[str]] = frozenset


def register_root_names(names: Callable[[], Collection[str]]) -> None:
    """Tell slugs which first path segments the site's own routes use (the pages app
    does, from its `ready()`): a row at the site root (`Post.at_site_root`, a page) may
    not take one, whether typed or made from a title."""
    global _root_names
    _root_names = names


def root_names() -> Collection[str]:
    """The first path segments the site itself uses (empty until an app registers them)."""
    return _root_names()


def is_root_name(slug: str) -> bool:
    """Is `slug` one of the site's own first path segments, in any case ("Admin" too:
    /Admin/ next to /admin/ would only confuse)?"""
    return slug.casefold() in root_names()


def root_name_refusal(slug: str) -> str:
    return f"“{slug}” is used by the site itself; pick another address."


def slug_taken(instance: models.Model, slug: str) -> bool:
    """Whether another row of `instance`'s model has `slug`."""
    return type(instance)._base_manager.filter(slug=slug).exclude(pk=instance.pk).exists()


def slug_refusal(instance: models.Model, slug: str) -> str | None:
    """Why `instance` may not take `slug`, or None if it may: another row has it, or old
    links still lead from it to something else (`blog.redirects`).

    The one rule for a slug chosen by hand, in the admin and the API alike; the move from
    the old address is recorded by the model's save (`redirects.record_move`).
    """
    if getattr(instance, "at_site_root", False) and is_root_name(slug):
        return root_name_refusal(slug)
    if slug_taken(instance, slug):
        return f"The address “{slug}” is taken; pick another slug."
    from .redirects import is_reserved

    return RESERVED if is_reserved(instance, slug) else None
