"""The expensive, pure part of importing a post: its body to Markdown, then to safe HTML.

Kept free of Django and the database so that `transfer.importer` can run it in worker
processes (`--workers`): converting and rendering is nearly all of an import's time.
Rendering is `blog.markdown`'s, the same as `Post.save()` uses: one rule, one place.
"""

from __future__ import annotations

from blog.markdown import excerpt_from, reading_minutes, render_markdown

from .html import to_markdown


def prepare_body(body: str, body_format: str) -> tuple[str, str, int, str]:
    """(Markdown source, rendered HTML, reading minutes, excerpt taken from the HTML)."""
    source = to_markdown(body, body_format)
    html = render_markdown(source)
    return source, html, reading_minutes(source), excerpt_from(html)


def prepare_body_or_error(body: str, body_format: str) -> tuple[str, str, int, str] | Exception:
    """`prepare_body`, or the exception it raised: one bad body never stops a batch."""
    try:
        return prepare_body(body, body_format)
    except Exception as error:  # reported per item by the importer
        return error
