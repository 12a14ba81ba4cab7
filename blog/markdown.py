"""Markdown → safe HTML, in one place.

python-markdown does not sanitise, so its output goes through nh3's allow-list: no
script, no event handlers, no `javascript:` URLs; headings, lists, links, images, code
blocks and tables survive.
"""

import re

import markdown as md
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
_EXTENSIONS = ["extra", "sane_lists", "toc"]
# Extensions other rooms add (`register_extension`); the sanitiser below still runs after.
_extensions: list[md.Extension] = []
_WORDS_PER_MINUTE = 200
_TAGS = re.compile(r"<[^>]+>")
_PARAGRAPHS = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to show to any reader."""
    html = md.markdown(source, extensions=[*_EXTENSIONS, *_extensions], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def register_extension(extension: md.Extension) -> None:
    """Add a python-markdown extension to every later render (idempotent).

    The hook for other rooms, so that blog imports none of them: the images app resolves
    `![alt](image:42)` this way. What an extension emits must pass the allow-list above.
    """
    if extension not in _extensions:
        _extensions.append(extension)


def plain_text(html: str) -> str:
    """The words of rendered HTML, for excerpts and descriptions."""
    return nh3.clean(html, tags=set()).replace("\n", " ").strip()


def excerpt_from(html: str, limit: int = 280) -> str:
    """A plain-text excerpt of at most `limit` characters, cut at a word boundary.

    Taken from the paragraphs: lists, code, tables and headings read badly run together.
    """
    paragraphs = _PARAGRAPHS.findall(html) or [html]
    text = " ".join(plain_text(" ".join(paragraphs)).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(".,;:") + "…"


def reading_minutes(source: str) -> int:
    """Minutes an average reader needs, at least one."""
    return max(1, round(len(_TAGS.sub(" ", source).split()) / _WORDS_PER_MINUTE))
