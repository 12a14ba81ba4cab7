"""The expensive, pure part of importing a post: its body to Markdown, then to safe HTML.

Kept free of Django and the database so that `transfer.importer` can run it in worker
processes (`--workers`): converting and rendering is nearly all of an import's time.
Rendering is `blog.markdown`'s, the same as `Post.save()` uses: one rule, one place.
"""

from __future__ import annotations

from blog.markdown import excerpt_from, reading_minutes, render_markdown

from .html import conversion_losses, html_to_markdown, to_html

# (Markdown source, rendered HTML, reading minutes, excerpt, what the conversion lost)
PreparedBody = tuple[str, str, int, str, list[str]]


def prepare_body(body: str, body_format: str) -> tuple[str, str, int, str]:
    """(Markdown source, rendered HTML, reading minutes, excerpt taken from the HTML)."""
    return prepare_body_checked(body, body_format)[:4]


def prepare_body_checked(body: str, body_format: str) -> PreparedBody:
    """`prepare_body`, plus the kinds of content the rendered page no longer has."""
    cleaned, removed = to_html(body, body_format)
    source = body if cleaned is None else html_to_markdown(cleaned)
    html = render_markdown(source)
    losses = list(dict.fromkeys(removed))
    if cleaned is not None:
        losses += conversion_losses(cleaned, html)
    return source, html, reading_minutes(source), excerpt_from(html), losses


def prepare_body_or_error(body: str, body_format: str) -> PreparedBody | Exception:
    """`prepare_body_checked`, or the exception it raised: one bad body never stops a
    batch."""
    try:
        return prepare_body_checked(body, body_format)
    except Exception as error:  # reported per item by the importer
        return error
