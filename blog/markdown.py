"""Markdown → safe HTML, in one place.

The parser is markdown-it-py (CommonMark), chosen because it runs in linear time on
hostile input (`bench/markdown_pathological.py` measures it); python-markdown took
minutes on `"[" * 20000`. On top of CommonMark: tables, strikethrough, footnotes,
definition lists, heading ids (for the post page's table of contents) and Pygments
highlighting of fenced code with a language. No parser sanitises, so the HTML then goes
through nh3's allow-list: no script, no event handlers, no `javascript:` URLs.

Extension point: other rooms add markdown-it plugins with `register_plugin()` (images,
say, rewriting `![alt](image:42)` tokens). Plugins run before sanitising, so whatever
they emit must also pass `ALLOWED_TAGS` / `ALLOWED_ATTRIBUTES`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "section", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "section": {"class"},
    "sup": {"class"},
    "hr": {"class"},
    "li": {"id", "class"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Ids the page layout uses itself: a heading called "Main" must not take the skip link.
RESERVED_IDS = frozenset(
    {"main", "site-search", "q", "q404", "contents", "related-posts", "comments"}
)
# Pygments' lexers are regular expressions; past this size a block is shown plain.
MAX_HIGHLIGHT_CHARS = 20_000
HIGHLIGHT_CSS_CLASS = "highlight"
_WORDS_PER_MINUTE = 200
_TAGS = re.compile(r"<[^>]+>")
_SLUG_DROP = re.compile(r"[^\w\- ]")

MarkdownPlugin = Callable[[MarkdownIt], None]
_plugins: list[MarkdownPlugin] = []


def register_plugin(plugin: MarkdownPlugin) -> None:
    """Add a markdown-it plugin to every later render (idempotent)."""
    if plugin not in _plugins:
        _plugins.append(plugin)
        _parser.cache_clear()


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to show to any reader."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    ).strip()


def plain_text(html: str) -> str:
    """The words of rendered HTML, for excerpts and descriptions."""
    return " ".join(nh3.clean(html, tags=set()).split())


def reading_minutes(source: str) -> int:
    """Minutes an average reader needs, at least one."""
    return max(1, round(len(_TAGS.sub(" ", source).split()) / _WORDS_PER_MINUTE))


# Excerpts ---------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def excerpt_from(html: str, limit: int = 280) -> str:
    """A plain-text excerpt: the first paragraph, and the ones right after it while they
    fit, cut at a word boundary within `limit` characters.

    Only paragraphs that follow each other in the body are joined, so an excerpt never
    stitches text that a list, code block or heading separated. A body without
    paragraphs (a bare list, say) gives its plain text.
    """
    parts: list[str] = []
    end = None
    for match in _PARAGRAPH.finditer(html):
        if end is not None and html[end : match.start()].strip():
            break  # something other than a paragraph sits in between
        parts.append(plain_text(match.group(1)))
        end = match.end()
        if sum(len(part) + 1 for part in parts) > limit:
            break
    text = " ".join(part for part in parts if part) or plain_text(html)
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut[:limit].rstrip(" .,;:—-") + "…"


# Headings and table of contents -------------------------------------------------------

_HEADING = re.compile(r'<h([23]) id="([^"<>]+)">(.*?)</h\1>', re.DOTALL)


def table_of_contents(html: str) -> list[dict[str, str | int]]:
    """The h2 and h3 headings of rendered HTML: `[{"level", "id", "title"}, ...]`."""
    return [
        {"level": int(level), "id": anchor, "title": plain_text(inner)}
        for level, anchor, inner in _HEADING.findall(html)
    ]


def _slugify(title: str) -> str:
    slug = _SLUG_DROP.sub("", title.strip().lower()).replace(" ", "-")
    return slug or "section"


def _heading_ids(state: StateCore) -> None:
    """Give every heading a unique id from its text.

    Hand-written rather than mdit-py-plugins' `anchors_plugin`, whose de-duplication
    tries `-1`, `-2`, ... from the start for every heading: 50,000 headings of the same
    title would take 10⁹ steps. A counter per slug keeps this linear.
    """
    seen: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        title = "".join(
            child.content
            for child in inline.children or []
            if child.type in ("text", "code_inline")
        )
        base = _slugify(title)
        slug = base
        while slug in seen or slug in RESERVED_IDS:
            seen[base] = seen.get(base, 0) + 1
            slug = f"{base}-{seen[base]}"
        seen.setdefault(slug, 0)
        token.attrSet("id", slug)


# Code highlighting ------------------------------------------------------------------

_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str | None:
    """Pygments markup for a fenced block with a known language, else markdown-it's own.

    No guessing the language (slow, and often wrong); long blocks stay plain because a
    lexer is a set of regular expressions.
    """
    if not language or len(code) > MAX_HIGHLIGHT_CHARS:
        return None
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return None
    body = highlight(code, lexer, _FORMATTER)
    css_language = re.sub(r"[^\w-]", "", language)
    return (
        f'<pre class="{HIGHLIGHT_CSS_CLASS}"><code class="language-{css_language}">'
        f"{body}</code></pre>"
    )


@functools.cache
def _parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark", {"highlight": _highlight})
        .enable(["table", "strikethrough"])
        .use(footnote_plugin)
        .use(deflist_plugin)
    )
    parser.core.ruler.push("heading_ids", _heading_ids)
    for plugin in _plugins:
        parser.use(plugin)
    return parser
