"""Paths of posts, categories and tags, without a walk through the URL resolver per link.

`reverse()` matches the arguments against every pattern of the name each time; a home
page asked it ~66 times (a tenth of an uncached page's time under cProfile, issue 14).
`slug_path(name, slug)` reverses each name once per script prefix with a placeholder and
fills the slug in; a slug that is not plain ASCII `[-a-zA-Z0-9_]` (which reverse() would
check and quote) still goes through reverse().
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
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


@receiver(setting_changed)
def _forget(setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _around.cache_clear()
