"""Fetching an embed, once, in the worker: oEmbed JSON, then its thumbnail onto our media.

Every request goes through `core.outgoing.request`: the SSRF guard's vetted address
only (`EMBEDS_ALLOW_PRIVATE` lifts it for tests), one deadline
(`EMBEDS_TIMEOUT_SECONDS`), a size cap per kind of answer, no redirects. Only JSON
oEmbed is read: a known provider's endpoint (`embeds.providers`), else the endpoint the
page names in `<link rel="alternate" type="application/json+oembed">` (discovery). The
thumbnail is decoded and re-encoded by the image library's safe decoding (a limited
child process) and stored under a content-hashed name, so readers load it from us.

Whatever goes wrong (blocked address, timeout, too large, not JSON, no oEmbed) is
stored as the embed's `error`; the post then shows the plain link. An embed is fetched
once: a later save of the post does not fetch it again (the admin's "Fetch again" does).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.outgoing import BlockedAddress, Reply, request
from images import isolation
from images.processing import RefusedImage
from pagecache.cache import invalidate_pages

from .models import Embed
from .providers import frame_src, provider_for

logger = logging.getLogger(__name__)

THUMBNAILS_DIR = "embeds"
KINDS = ("video", "rich", "photo", "link")
# A claim older than this is a worker that died mid-fetch: another may take the embed.
CLAIM_SECONDS = 300
USER_AGENT = "Broadsheet-embeds (+oEmbed)"


class EmbedError(Exception):
    """Why an embed could not be fetched; stored on the row for the site owner."""


def embed_fetch(*, embed_id: int) -> Embed | None:
    """Fetch one embed if nobody has (claim, fetch outside any transaction, store)."""
    now = timezone.now()
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    claimed = (
        Embed.objects.filter(pk=embed_id, fetched_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now)
    )
    if not claimed:
        return None  # fetched already, or another worker is on it
    embed = Embed.objects.get(pk=embed_id)
    fields: dict = {"error": ""}
    try:
        fields.update(_fetched(embed.url))
    except EmbedError as error:
        fields["error"] = str(error)[:1000]
        logger.info("Embed %s not fetched: %s", embed.url, error)
    Embed.objects.filter(pk=embed_id).update(fetched_at=timezone.now(), **fields)
    if not fields["error"]:
        invalidate_pages(shared=False)  # pages showing the plain link now show the facade
    embed.refresh_from_db()
    return embed


def embeds_owed() -> QuerySet[Embed]:
    """Embeds not fetched well after they were saved, and not being fetched: lost."""
    now = timezone.now()
    lost_before = now - timedelta(seconds=settings.BROADSHEET_RECONCILE_AFTER_SECONDS)
    stale = now - timedelta(seconds=CLAIM_SECONDS)
    return Embed.objects.filter(fetched_at__isnull=True, created_at__lte=lost_before).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


def embed_refetch(*, embeds) -> list[int]:
    """Forget what was fetched for `embeds`, so the worker fetches them again."""
    ids = [embed.pk for embed in embeds]
    Embed.objects.filter(pk__in=ids).update(fetched_at=None, claimed_at=None, error="")
    return ids


def _fetched(url: str) -> dict:
    found = provider_for(url)
    provider, match = found if found else (None, None)
    endpoint = provider.endpoint if provider else _discover(url)
    joiner = "&" if "?" in endpoint else "?"
    if provider:
        endpoint += joiner + urlencode({"url": url, "format": "json", "maxwidth": 1280})
    data = _oembed(endpoint)
    kind = data.get("type")
    if kind not in KINDS:
        raise EmbedError(f"The oEmbed answer has no known type ({str(kind)[:20]!r}).")
    fields = {
        "provider": _text(data.get("provider_name")) or (provider.name if provider else ""),
        "kind": kind,
        "title": _text(data.get("title"), 300),
        "author": _text(data.get("author_name"), 200),
        "width": _size(data.get("width")),
        "height": _size(data.get("height")),
        "frame_src": "",
    }
    if not fields["provider"]:
        fields["provider"] = urlsplit(url).hostname or ""
    if kind in ("video", "rich"):
        player = _text(data.get("html"), 100_000)
        fields["frame_src"] = frame_src(player, provider=provider, match=match)
    thumbnail = data.get("url") if kind == "photo" else data.get("thumbnail_url")
    if isinstance(thumbnail, str) and thumbnail:
        fields.update(_thumbnail(urljoin(endpoint, thumbnail)))
    return fields


def _get(url: str, *, max_bytes: int, accept: str) -> Reply:
    only = settings.EMBEDS_FETCH_HOSTS
    if only and urlsplit(url).hostname not in only:
        raise EmbedError(f"Not fetched: {urlsplit(url).hostname} is not in EMBEDS_FETCH_HOSTS.")
    try:
        reply = request(
            "GET",
            url,
            headers={"Accept": accept, "User-Agent": USER_AGENT},
            deadline=settings.EMBEDS_TIMEOUT_SECONDS,
            max_bytes=max_bytes,
            allow_private=settings.EMBEDS_ALLOW_PRIVATE,
        )
    except BlockedAddress as error:
        raise EmbedError(f"Blocked: {error}") from error
    if reply.error:
        raise EmbedError(f"{urlsplit(url).hostname}: {reply.error}")
    if reply.status != 200:
        raise EmbedError(f"{urlsplit(url).hostname} answered {reply.status}.")
    if reply.truncated:
        raise EmbedError(f"{urlsplit(url).hostname} sent more than {max_bytes:,} bytes.")
    return reply


def _oembed(endpoint: str) -> dict:
    reply = _get(endpoint, max_bytes=settings.EMBEDS_MAX_JSON_BYTES, accept="application/json")
    try:
        data = json.loads(reply.content)
    except ValueError as error:
        raise EmbedError("The oEmbed answer is not JSON.") from error
    if not isinstance(data, dict):
        raise EmbedError("The oEmbed answer is not a JSON object.")
    return data


class _OEmbedLink(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.href = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if (
            tag == "link"
            and not self.href
            and "alternate" in (found.get("rel") or "").lower().split()
            and (found.get("type") or "").lower() == "application/json+oembed"
        ):
            self.href = found.get("href") or ""


def _discover(url: str) -> str:
    """The JSON oEmbed endpoint a page names (oEmbed discovery), else `EmbedError`."""
    reply = _get(url, max_bytes=settings.EMBEDS_MAX_PAGE_BYTES, accept="text/html")
    if "html" not in reply.content_type.lower():
        raise EmbedError("Not a web page, and no known provider.")
    parser = _OEmbedLink()
    parser.feed(reply.text)
    if not parser.href:
        raise EmbedError("The page names no JSON oEmbed endpoint (no known provider).")
    endpoint = urljoin(url, parser.href)
    if urlsplit(endpoint).scheme not in ("http", "https"):
        raise EmbedError("The page's oEmbed endpoint is not a web address.")
    return endpoint


def _thumbnail(url: str) -> dict:
    """The thumbnail, safely decoded and stored on our media; {} if it cannot be."""
    try:
        reply = _get(url, max_bytes=settings.EMBEDS_MAX_THUMBNAIL_BYTES, accept="image/*")
        encoded = isolation.clean_upload(reply.content)
    except (EmbedError, RefusedImage) as error:
        logger.info("Embed thumbnail %s not stored: %s", url, error)
        return {}
    digest = hashlib.sha256(encoded.content).hexdigest()[:32]
    name = f"{THUMBNAILS_DIR}/{digest}.{encoded.extension}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(encoded.content))
    return {
        "thumbnail": name,
        "thumbnail_width": encoded.width,
        "thumbnail_height": encoded.height,
    }


def _text(value, limit: int = 200) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _size(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None  # "100%" (SoundCloud's width) and the like
    return number if 0 < number <= 10_000 else None
