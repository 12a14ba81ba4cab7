"""Library images inside a post body: `![alt](image:42)` in Markdown.

Two steps, so that `blog` never imports this app and stored HTML never goes stale:

1. **On save** (`blog.markdown` renders the body; `ImagesConfig.ready()` registers
   `markdown_plugin` with it): each `image:<id>` reference becomes the image's original
   URL with its width, height and alt text, and a picture alone in its paragraph becomes
   a `<figure>` with the caption and credit. That HTML passes blog's sanitiser as is,
   and works everywhere body HTML goes (feeds, the API).
2. **On the page** (`{{ post.body_html|responsive_images }}`, images/templating.py):
   each library original is swapped for a `<picture>` with the renditions the worker
   has made by then — AVIF and WebP sources, `srcset`, `sizes`, `loading="lazy"` — in
   one query (plus one for the renditions) however many images the body has.

Both steps are linear in the body, and bounded: a body may name at most `MAX_BODY_IMAGES`
library images (`BROADSHEET_IMAGES`); saving one with more is refused with a message for
the writer (`blog.markdown.RefusedBody`), and a page swaps at most that many pictures,
each distinct (image, alt text) rendered once, in one pass over the HTML — so a body
stored before the cap costs a page no more.

Deleting an image re-renders the posts that show it (`rerender_posts_showing`, on
`post_delete`, connected in `ImagesConfig.ready()`): their stored HTML drops the broken
picture for its alt text at once, not at the post's next save.
"""

from __future__ import annotations

import html
import re

from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blog.markdown import RefusedBody

from .conf import image_setting
from .models import Image

REFERENCE = re.compile(r"^image:(\d{1,18})$")
BODY_SIZES = "(max-width: 44rem) calc(100vw - 2rem), 42rem"
_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'\b(src|alt)="([^"]*)"')


def markdown_for(image: Image) -> str:
    """The Markdown that shows `image` in a post body, its alt text escaped so that a
    bracket in it cannot end the reference early."""
    alt = image.alt_text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}](image:{image.pk})"


def markdown_plugin(md) -> None:
    """markdown-it plugin: resolve `image:<id>` references (see the module docstring)."""
    md.core.ruler.push("library_images", _resolve_references)


def _resolve_references(state) -> None:
    from markdown_it.token import Token

    found: list[tuple[int, object]] = []
    for index, token in enumerate(state.tokens):
        for child in token.children or ():
            if child.type == "image" and REFERENCE.match(str(child.attrGet("src") or "")):
                found.append((index, child))
    if not found:
        return
    limit = image_setting("MAX_BODY_IMAGES")
    if len(found) > limit:
        raise RefusedBody(
            f"This text shows {len(found):,} library images; a post may show at most "
            f"{limit:,}. Remove some, or split the post."
        )
    ids = {int(REFERENCE.match(child.attrGet("src")).group(1)) for _, child in found}
    images = Image.objects.in_bulk(ids)
    figures: dict[int, Image] = {}
    for index, child in found:
        image = images.get(int(REFERENCE.match(child.attrGet("src")).group(1)))
        if image is None:
            # A deleted or mistyped image: its alt text stays as plain text.
            child.type, child.tag, child.children = "text", "", None
            child.attrs = {}
            continue
        child.attrSet("src", image.url)
        child.attrSet("width", str(image.width))
        child.attrSet("height", str(image.height))
        if not child.content:
            child.content = image.alt_text
            child.children = [Token("text", "", 0, content=image.alt_text)]
        inline = state.tokens[index]
        if len(inline.children) == 1 and _is_paragraph(state.tokens, index):
            figures[index] = image
    for index, image in sorted(figures.items(), reverse=True):
        caption = " ".join(
            part
            for part in (
                escape(image.caption),
                image.credit and f'<span class="credit">{escape(image.credit)}</span>',
            )
            if part
        )
        close = f"<figcaption>{caption}</figcaption></figure>\n" if caption else "</figure>\n"
        state.tokens[index - 1] = Token("html_block", "", 0, content="<figure>")
        state.tokens[index + 1] = Token("html_block", "", 0, content=close)


def _is_paragraph(tokens, index: int) -> bool:
    return (
        0 < index < len(tokens) - 1
        and tokens[index - 1].type == "paragraph_open"
        and tokens[index + 1].type == "paragraph_close"
    )


def responsive_body(body_html: str) -> SafeString:
    """`body_html` with each library original replaced by a responsive `<picture>`.

    One pass: the images are read in one query (and one for their renditions), each
    distinct (image, alt) is rendered once, and the HTML is rebuilt by one substitution.
    At most `MAX_BODY_IMAGES` tags are swapped; any past them keep the original.
    """
    base = default_storage.url("")
    limit = image_setting("MAX_BODY_IMAGES")
    names: set[str] = set()
    for count, match in enumerate(_IMG.finditer(body_html)):
        if count >= limit:
            break
        src = html.unescape(dict(_ATTR.findall(match.group())).get("src", ""))
        if src.startswith(base + "images/"):
            names.add(src.removeprefix(base))
    if not names:
        return mark_safe(body_html)  # noqa: S308 (sanitised by blog.markdown on save)
    images = {
        image.file.name: image
        for image in Image.objects.filter(file__in=names).prefetch_related("renditions")
    }
    pictures: dict[tuple[str, str], str] = {}
    swapped = 0

    def picture(match: re.Match) -> str:
        nonlocal swapped
        tag = match.group()
        attrs = dict(_ATTR.findall(tag))
        image = images.get(html.unescape(attrs.get("src", "")).removeprefix(base))
        if image is None or swapped >= limit:
            return tag
        swapped += 1
        key = (image.file.name, attrs.get("alt", ""))
        if key not in pictures:
            pictures[key] = render_to_string(
                "images/_picture.html",
                {
                    "image": image,
                    "alt": html.unescape(key[1]) or image.alt_text,
                    "sizes": BODY_SIZES,
                    "loading": "lazy",
                },
            ).strip()
        return pictures[key]

    # Sanitised on save (blog.markdown); our own markup added.
    return mark_safe(_IMG.sub(picture, body_html))  # noqa: S308


def rerender_posts_showing(sender, instance: Image, **kwargs) -> None:
    """`post_delete` of an Image: once committed, re-render every post body that names it.

    Only `body_html`, `updated_at` and `recorded_at` change (no revision, no webhook: the
    writer's text is the same); the newer `recorded_at` (the version) retires
    conditional-request validators and tells syncing clients, and the page cache is
    retired like after any post change.
    """
    image_id = instance.pk

    def rerender() -> None:
        from blog.markdown import render_markdown
        from blog.models import Post
        from pagecache.cache import invalidate_pages

        # `image:4` also finds `image:42`: re-rendering that one changes nothing.
        showing = Post.all_kinds.filter(body__contains=f"image:{image_id}").only("pk", "body")
        for post in showing:
            now = timezone.now()
            Post.all_kinds.filter(pk=post.pk).update(
                body_html=render_markdown(post.body), updated_at=now, recorded_at=now
            )
        if showing:
            invalidate_pages()

    transaction.on_commit(rerender)


def image_saved(sender, instance: Image, **kwargs) -> None:
    """`post_save` of an Image: once committed, retire the pages (and kept pieces) that
    may show its texts."""
    from pagecache.cache import invalidate_pages

    transaction.on_commit(invalidate_pages, robust=True)
