"""A comment's Markdown, rendered: the site's one pipeline, then a stricter allow-list.

    from comments.rendering import render_comment
    render_comment("Some *emphasis* and [a link](https://example.org)").html

`blog.markdown.render(body, reader_content=True)` parses (CommonMark, bounded CPU time),
sanitises with the site's allow-list and marks links to other sites
`rel="nofollow ugc"`. Comments then pass a narrower list on top of that: paragraphs,
line breaks, emphasis, links, code, quotes and lists. No images (nothing loads from
another host because a reader wrote it), no headings (a comment never outranks the
post's own outline), no tables, footnotes or raw layout elements: their text stays,
their markup goes. Links open in the same window (no `target`).
"""

from __future__ import annotations

from typing import NamedTuple

import nh3

from blog.markdown import logged, render

COMMENT_TAGS = {"p", "br", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li"}
# `rel` is the pipeline's own "nofollow ugc", set on links to other sites only.
COMMENT_ATTRIBUTES = {"a": {"href", "rel"}}
COMMENT_URL_SCHEMES = {"http", "https", "mailto"}


class RenderedComment(NamedTuple):
    html: str
    complete: bool  # False: too complex to format, shown as plain text (still safe)


def render_comment(body: str) -> RenderedComment:
    """The HTML of a comment's body, safe to show to anyone."""
    rendering = logged(render(body, reader_content=True))
    html = nh3.clean(
        rendering.html,
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        url_schemes=COMMENT_URL_SCHEMES,
        link_rel=None,  # keep the pipeline's rel (nofollow ugc on other sites' links)
    ).strip()
    return RenderedComment(html, rendering.complete)
