"""Lone URLs in a post body: found on save (to fetch), swapped on the page (to show).

A URL alone in its paragraph (`<p>https://…</p>`, or `<p><a href="u">u</a></p>` as an
autolink `<u>` or an import gives) is an embed candidate. The stored, sanitised
`body_html` keeps that paragraph as written; `{{ …|embeds }}` (embeds/templating.py)
swaps it, when the page is rendered, for:

- a **privacy facade** once the worker has fetched it (`Embed.ready`): our stored
  thumbnail, the title and provider, and a play button that inserts the provider's
  iframe only when clicked (static `embeds/facade.js`); nothing is loaded from another
  host before that click. Without JavaScript the title links to the original;
- `<video>`/`<audio>` with controls and `preload="none"` for a media file on our own
  media URL (`.mp4`, `.webm`, `.mp3`…), nothing else;
- the URL as a plain link otherwise (not fetched yet, failed, or not embeddable).

One query per page for all its embeds, none for a body without lone URLs; at most
`EMBEDS_MAX_PER_POST` paragraphs are swapped, in one linear pass. The article fragment
that holds the result is cached (blog/fragments.py) and retired when a fetch completes.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

from core.origin import site_origin

from .models import Embed
from .providers import allowed_frame_origins

# A paragraph holding only a URL, bare or as a link whose text is its address.
LONE_URL = re.compile(
    r'<p>(?:<a href="(?P<href>[^"<>]{1,2000})">)?(?P<url>https?://[^\s<>"]{1,2000})(?:</a>)?</p>'
)
MEDIA_TYPES = {
    "mp4": "video", "webm": "video", "m4v": "video", "ogv": "video", "mov": "video",
    "mp3": "audio", "m4a": "audio", "ogg": "audio", "oga": "audio", "opus": "audio",
    "wav": "audio", "flac": "audio",
}  # fmt: skip


def lone_urls(body_html: str) -> list[str]:
    """The distinct lone URLs of `body_html`, in order, at most `EMBEDS_MAX_PER_POST`."""
    found: dict[str, None] = {}
    for match in LONE_URL.finditer(body_html):
        url = _url(match)
        if url:
            found.setdefault(url, None)
            if len(found) >= settings.EMBEDS_MAX_PER_POST:
                break
    return list(found)


def to_fetch(body_html: str) -> list[str]:
    """The lone URLs worth an oEmbed fetch: not our own media files or pages."""
    own = urlsplit(site_origin()).netloc
    return [u for u in lone_urls(body_html) if not media_kind(u) and urlsplit(u).netloc != own]


def media_kind(url: str) -> str:
    """The player a media file under our own media URL gets ("video", "audio"), else ""."""
    base = default_storage.url("")
    origin = site_origin()
    path = url.removeprefix(origin) if not base.startswith(("http://", "https://")) else url
    if not path.startswith(base) or "?" in path or "#" in path or "/../" in path:
        return ""
    return MEDIA_TYPES.get(path.rsplit(".", 1)[-1].lower(), "") if "." in path else ""


def _url(match: re.Match) -> str:
    url = html.unescape(match["url"])
    if match["href"] is not None and html.unescape(match["href"]) != url:
        return ""  # a link whose text is another address: the writer's, kept as is
    return url


def render_body(body_html: str) -> SafeString:
    """`body_html` with its lone URLs swapped (see the module docstring)."""
    if "<p>http" not in body_html and '<p><a href="http' not in body_html:
        return mark_safe(body_html)  # noqa: S308 (sanitised by blog.markdown on save)
    urls = lone_urls(body_html)
    if not urls:
        return mark_safe(body_html)  # noqa: S308
    embeds = {e.url: e for e in Embed.objects.filter(url__in=urls)}
    rendered: dict[str, str] = {}
    facades = 0

    def swap(match: re.Match) -> str:
        nonlocal facades
        url = _url(match)
        if url not in urls:
            return match[0]
        if url not in rendered:
            embed = embeds.get(url)
            kind = media_kind(url)
            if kind:
                rendered[url] = _render("embeds/_media.html", {"url": url, "kind": kind})
            elif embed is not None and embed.ready:
                facades += 1
                rendered[url] = _render("embeds/_facade.html", _facade_context(embed))
            else:
                rendered[url] = _render("embeds/_link.html", {"url": url})
        return rendered[url]

    swapped = LONE_URL.sub(swap, body_html)
    if facades:
        swapped += f'\n<script src="{static("embeds/facade.js")}" defer></script>'
    return mark_safe(swapped)  # noqa: S308 (sanitised on save; our own markup added)


def _facade_context(embed: Embed) -> dict:
    """The facade's box is the player's own size, so nothing moves when it loads. A
    player from an origin no longer allowed (a provider removed) shows as a link card."""
    if embed.frame_src and _origin(embed.frame_src) not in allowed_frame_origins():
        embed.frame_src = ""
    # A padding box (not `aspect-ratio`, which HTML checkers do not know inline yet).
    if embed.frame_src and embed.width and embed.height:
        box = f"padding-top: {100 * embed.height / embed.width:.3f}%"
    elif embed.frame_src and embed.height:
        box = f"padding-top: 0; height: {embed.height}px"  # "100%" wide players
    elif embed.thumbnail_width and embed.thumbnail_height:
        box = f"padding-top: {100 * embed.thumbnail_height / embed.thumbnail_width:.3f}%"
    else:
        box = ""  # 16:9
    return {"embed": embed, "box": box, "host": urlsplit(embed.frame_src).hostname or ""}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _render(template: str, context: dict) -> str:
    return render_to_string(template, context).strip()


def mail_body(body_html: str) -> str:
    """`body_html` for e-mail (registered with `newsletters.mail`): mail clients run no
    script and load no iframe, so a fetched embed becomes a link with our stored
    thumbnail, its title and provider; anything else stays the plain link it is."""
    urls = lone_urls(body_html)
    if not urls:
        return body_html
    embeds = {e.url: e for e in Embed.objects.filter(url__in=urls) if e.ready}

    def swap(match: re.Match) -> str:
        embed = embeds.get(_url(match))
        return _render("embeds/_mail.html", {"embed": embed}) if embed else match[0]

    return LONE_URL.sub(swap, body_html)
