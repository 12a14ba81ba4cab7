"""The readers' templates' helpers from `blog` (core/jinja2.py collects them)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from jinja2 import pass_context
from jinja2.runtime import Context

_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@pass_context
def category_menu(context: Context) -> SafeString:
    """The header's category menu: the one the view read with its page's other pieces
    (`menu`), or else the one cached alone (`blog.fragments.category_menu`: one query,
    kept until the content changes)."""
    menu = context.get("menu")
    if menu is not None:
        return menu
    from .fragments import category_menu as cached_menu  # fragments render templates

    return cached_menu()


def jsonld(data: dict[str, Any]) -> SafeString:
    """Structured data for search engines, escaped so that no value can close the tag."""
    payload = json.dumps(data, default=str).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308


GLOBALS = {"category_menu": category_menu, "jsonld": jsonld}
