"""Paths of posts, categories and tags, without a walk through the URL resolver per link.

`reverse()` matches the arguments against every pattern of the name each time; a home
page asked it ~66 times (a tenth of an uncached page's time under cProfile, issue 14).
`slug_path(name, slug)` reverses each name once per script prefix with a placeholder and
fills the slug in; a slug that is not plain ASCII `[-a-zA-Z0-9_]` (which reverse() would
check and quote) still goes through reverse().

`layout_links()` is the same for the paths every page's layout names (feeds, search,
archive, login, stylesheets): found once per script prefix, handed to templates as
`links` by `blog.context_processors.site`, instead of a dozen `{% url %}` and `{% static %}`
per page.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

_PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")
_MARK = "slug-placeholder-0"


@lru_cache(maxsize=64)
def _around(name: str, prefix: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_MARK]).partition(_MARK)
    return before, after


def slug_path(name: str, slug: str) -> str:
    """`reverse(name, args=[slug])`, for names whose one argument is a slug."""
    if not _PLAIN.match(slug):
        return reverse(name, args=[slug])
    before, after = _around(name, get_script_prefix())
    return f"{before}{slug}{after}"


_LAYOUT_NAMES = {
    "home": "blog:home",
    "search": "blog:search",
    "feed": "blog:feed",
    "atom_feed": "blog:atom_feed",
    "archive": "blog:archive",
    "sitemap": "blog:sitemap",
    "login": "accounts:login",
    "logout": "accounts:logout",
    "admin": "admin:index",
}
_LAYOUT_STATIC = {
    "favicon": "img/favicon.svg",
    "site_css": "css/site.css",
    "images_css": "images/images.css",
    "highlight_css": "css/highlight.css",
}


def layout_links() -> dict[str, str]:
    """`{"home": "/", "feed": "/feed/", "site_css": "/static/css/site.<hash>.css", ...}`."""
    return _layout_links(get_script_prefix())


@lru_cache(maxsize=8)
def _layout_links(prefix: str) -> dict[str, str]:
    links = {key: reverse(name) for key, name in _LAYOUT_NAMES.items()}
    return links | {key: static(path) for key, path in _LAYOUT_STATIC.items()}


@receiver(setting_changed)
def _forget(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _around.cache_clear()
    if setting in ("ROOT_URLCONF", "STATIC_URL", "STORAGES", "STATICFILES_STORAGE"):
        _layout_links.cache_clear()
