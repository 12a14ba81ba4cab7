"""What search engines and social cards get of a post: the one rule, in one place.

    seo = post_seo(post, canonical_url=site_url(post.get_absolute_url()), site_name=name)
    seo.title, seo.description, seo.canonical_url, seo.social_title,
    seo.social_description, seo.social_image, seo.noindex

A writer may fill in any of a post's SEO fields (`Post.meta_title`, `meta_description`,
`canonical_url`, `social_title`, `social_description`, `social_image`, `noindex`); a blank
one falls back to what the post shows anyway:

| value | written field | else |
|---|---|---|
| `<title>` | meta title, as written | "post title · site name" |
| meta description | meta description | the summary (written excerpt, else the body's start) |
| canonical URL, og:url | canonical URL (may be another site) | the post's own address |
| og:title, twitter:title | social title | the post's title |
| og:description | social description | the meta description, else the summary |
| og:image, JSON-LD image | social image | the cover image |

The post page's head (`blog/_post_head.html` through `blog.fragments.post_context`) and
its JSON-LD read these values; the admin's live preview (`static/editor/seo-preview.js`)
repeats the same fallbacks in the browser, from the `data-` attributes
`blog.admin.forms.seo_preview_context` gives it. `noindex` also keeps the post out of the
sitemap (`blog.sitemaps.PostSitemap`); it stays in listings and feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

CANONICAL_MAX_LENGTH = 500
# Lengths search engines show before cutting (what the admin's preview cuts at).
TITLE_SHOWN = 60
DESCRIPTION_SHOWN = 155
# The SEO fields of a post, in the order the admin shows them.
SEO_FIELDS = (
    "meta_title",
    "meta_description",
    "canonical_url",
    "social_title",
    "social_description",
    "social_image",
    "noindex",
)


def validate_canonical_url(value: str) -> None:
    """An absolute http(s) URL with a host name, no user name or password, no spaces.

    Another site is allowed (a syndicated piece names its original); what is refused is
    what a crawler would ignore or a reader should never be sent to.
    """
    if not value:
        return
    if len(value) > CANONICAL_MAX_LENGTH:
        raise ValidationError(
            f"The canonical URL is too long: at most {CANONICAL_MAX_LENGTH} characters "
            f"(it has {len(value)}).",
            code="max_length",
        )
    if any(character.isspace() or not character.isprintable() for character in value):
        raise ValidationError(
            "The canonical URL may not contain spaces or line breaks (write %20 for a space).",
            code="invalid",
        )
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed [IPv6] host
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            "Enter a full address starting with https:// or http://, "
            "such as https://example.com/original-story/.",
            code="invalid",
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "The canonical URL may not hold a user name or password (the part before @).",
            code="invalid",
        )
    try:
        parts.port  # noqa: B018  (read to check it: urlsplit parses it lazily)
    except ValueError:  # not a number, or over 65535
        raise ValidationError(
            "The canonical URL's port (after the colon) must be a number up to 65535.",
            code="invalid",
        ) from None
    if not parts.hostname or "." not in parts.hostname.strip("."):
        raise ValidationError(
            "The canonical URL needs a host name such as example.com.", code="invalid"
        )


@dataclass(frozen=True)
class PostSEO:
    """The effective values (see the module docstring), each already fallen back."""

    title: str
    description: str
    canonical_url: str
    social_title: str
    social_description: str
    social_image: Any  # an images.Image, or None: no card image
    noindex: bool


def post_seo(post, *, canonical_url: str, site_name: str) -> PostSEO:
    """The effective SEO values of `post`; `canonical_url` is its own absolute address
    (used when no canonical URL is written)."""
    description = post.meta_description.strip() or post.summary
    return PostSEO(
        title=post.meta_title.strip() or f"{post.title} · {site_name}",
        description=description,
        canonical_url=post.canonical_url.strip() or canonical_url,
        social_title=post.social_title.strip() or post.title,
        social_description=post.social_description.strip() or description,
        social_image=post.social_image if post.social_image_id else post.cover_image,
        noindex=post.noindex,
    )
