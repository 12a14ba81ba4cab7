"""The settings and menus as `core.sitevalues.SiteValues`, kept in the shared cache.

`cached_values()` is the reader `core.sitevalues` asks (registered in `apps.py`). The
values are cached under the page cache's content generation (`pagecache.counts.remember`):
one cache round trip when warm, no query. They are retired when

- the settings or a menu item are saved or deleted (`receivers`: bumps both generations,
  which also retires every cached page and fragment);
- any post, page, category or tag is saved or deleted, or a scheduled one goes public
  (the content generation and the next go-live): a menu item whose page went back to
  draft, or was scheduled and is now public, follows on the next request;
- at the latest after `pagecache.counts.REMEMBER_SECONDS` (a renamed author).
"""

from __future__ import annotations

from typing import Any

import nh3
from django.core.cache import cache
from django.db.models import Prefetch

from blog.markdown import render_markdown
from blog.selectors import public_authors, public_tags
from core.origin import site_url
from core.sitevalues import Link, Picture, SiteValues
from images.models import Image
from pagecache.cache import GENERATION_KEY
from pagecache.counts import remember
from pages.models import Page

from .models import MenuItem, SiteSettings
from .validators import network_name, social_lines

VALUES_KEY = "site-settings"
FOOTER_TAGS = {"p", "a", "em", "strong", "br"}


def content_generation() -> Any:
    """The page cache's content generation: what a process's copy is checked against."""
    return cache.get(GENERATION_KEY, 0)


def cached_values() -> SiteValues:
    """The current values: from the shared cache, or read now and cached."""
    return remember(VALUES_KEY, load_values)


def footer_html(text: str) -> str:
    """The footer text through the one Markdown pipeline, then a stricter allow-list:
    paragraphs, links, emphasis, line breaks (a heading or image is left as its text)."""
    if not text.strip():
        return ""
    html = render_markdown(text)
    return nh3.clean(
        html,
        tags=FOOTER_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    ).strip()


def _picture(image: Image | None, *, small: bool = False) -> Picture | None:
    """`small`: the narrowest file every browser reads (a logo, an icon); else the share
    card's, with an absolute URL (crawlers read it from other sites)."""
    if image is None:
        return None
    chosen = image.fallback[0] if small else image.social
    url = chosen.url if small or "://" in chosen.url else site_url(chosen.url)
    return Picture(url, chosen.width, chosen.height, chosen.mime_type, image.alt_text)


def _visible(items: list[MenuItem]) -> list[MenuItem]:
    """The items whose target readers can open now: a page that is public, a tag or
    author with a public post (else their archive is a 404), any category or URL."""

    def ids(name: str) -> set[int]:
        return {getattr(item, f"{name}_id") for item in items if getattr(item, f"{name}_id")}

    pages, tags, authors = ids("page"), ids("tag"), ids("author")
    public_pages = (
        set(Page.objects.public().filter(pk__in=pages).values_list("pk", flat=True))
        if pages
        else set()
    )
    public_tag_ids = (
        set(public_tags().filter(pk__in=tags).values_list("pk", flat=True)) if tags else set()
    )
    public_author_ids = (
        set(public_authors().filter(pk__in=authors).values_list("pk", flat=True))
        if authors
        else set()
    )
    return [
        item
        for item in items
        if (item.page_id is None or item.page_id in public_pages)
        and (item.tag_id is None or item.tag_id in public_tag_ids)
        and (item.author_id is None or item.author_id in public_author_ids)
    ]


def _link(item: MenuItem) -> Link:
    if item.page_id:
        url = item.page.get_absolute_url()
    elif item.category_id:
        url = item.category.get_absolute_url()
    elif item.tag_id:
        url = item.tag.get_absolute_url()
    elif item.author_id:
        from django.urls import reverse

        url = reverse("blog:author", args=[item.author.username])
    else:
        url = item.url
    return Link(item.label.strip() or item.target_name(), url)


def load_values() -> SiteValues:
    """Read the settings row (one query), and the menus if there are any (one more, and
    one for each kind of target readers may not see: pages, tags, authors); images'
    renditions one each."""
    with_files = Image.objects.prefetch_related("renditions")
    row = (
        SiteSettings.objects.prefetch_related(
            Prefetch("logo", queryset=with_files),
            Prefetch("icon", queryset=with_files),
            Prefetch("social_image", queryset=with_files),
        )
        .filter(pk=1)
        .first()
    ) or SiteSettings.load()
    items = (
        list(
            MenuItem.objects.select_related("page", "category", "tag", "author").order_by(
                "menu", "position", "id"
            )
        )
        if row.has_menu_items
        else []
    )
    shown = _visible(items)
    header = tuple(_link(item) for item in shown if item.menu == MenuItem.Menu.HEADER)
    return SiteValues(
        name=row.name,
        description=row.description,
        language=row.language,
        time_zone=row.time_zone,
        accent=row.accent.lower(),
        logo=_picture(row.logo, small=True),
        icon=_picture(row.icon, small=True),
        social_image=_picture(row.social_image),
        social_links=tuple(Link(network_name(url), url) for url in social_lines(row.social_links)),
        footer_html=footer_html(row.footer_text),
        header_menu=header or None,  # none shown: the busiest categories
        footer_menu=tuple(_link(item) for item in shown if item.menu == MenuItem.Menu.FOOTER),
    )
