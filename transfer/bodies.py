"""The expensive, pure part of importing a post: its body to Markdown, then to safe HTML.

Kept free of Django and the database so that `transfer.importer` can run it in worker
processes (`--workers`): converting and rendering is nearly all of an import's time.
Rendering is `blog.markdown`'s, the same as `Post.save()` uses: one rule, one place.

A worker renders without the Markdown plugins other apps register when Django starts
(`images`: `![alt](image:42)` becomes the library picture, which needs the database), so
`rendered_here` renders each worker's body again in the importing process, with them.
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


def rendered_here(prepared: PreparedBody | Exception) -> PreparedBody | Exception:
    """A worker's `prepare_body_or_error`, its HTML rendered again by this process with
    every registered Markdown plugin (the excerpt follows the HTML).

    Converting HTML to Markdown, the larger part of the work, stays the worker's. The
    losses stand as the worker found them: plugins render only their own syntax, which no
    converted HTML contains."""
    if isinstance(prepared, Exception):
        return prepared
    source, html, minutes, _excerpt, losses = prepared
    try:
        rendered = render_markdown(source)
    except Exception as error:  # a plugin's own limit (too many library images, say)
        return error
    if rendered == html:
        return prepared
    return source, rendered, minutes, excerpt_from(rendered), losses
