"""Markdown → safe HTML, in one place.

The parser is markdown-it-py (CommonMark), chosen because it runs in linear time on
hostile input; python-markdown took minutes on `"[" * 20000`. On top of CommonMark:
tables, strikethrough, footnotes, definition lists, heading ids (for the post page's
table of contents) and Pygments highlighting of fenced code with a language. No parser
sanitises, so the HTML then goes through nh3's allow-list: no script, no event handlers,
no `javascript:` URLs.

Linear is not enough: a 200,000-character body of `[` still took markdown-it 4 s. So a
render is bounded by construction: parsing, rendering and highlighting share a budget of
`RENDER_BUDGET_SECONDS` of CPU time (`time.thread_time()`, so other processes' load is
not counted), checked every few hundred steps from inside the parser. Past it, the body
is shown as escaped plain text in paragraphs (`render()` says so with `complete=False`).
Forms and the API refuse such a body with `validate_renderable` (the writer is told and
can simplify it); the shell and importers store the plain rendering.
`bench/markdown_pathological.py` measures the worst case, budget and fallback included.

Links: what editors and writers link to is followed, so post bodies carry no `rel` at
all (no link can open a new window: `target` is not allowed). Text written by readers
(comments) is rendered with `reader_content=True`: its links to other sites get
`rel="nofollow ugc"`, the convention search engines read as "not vouched for".

Extension point: other apps add markdown-it plugins with `register_plugin()` (images,
say, rewriting `![alt](image:42)` tokens). Plugins run before sanitising, so whatever
they emit must also pass `ALLOWED_TAGS` / `ALLOWED_ATTRIBUTES`.
"""

from __future__ import annotations

import contextvars
import functools
import gc
import html as html_lib
import logging
import math
import re
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple
from urllib.parse import urlsplit

import nh3
from django.core.exceptions import ValidationError
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import format as pygments_format
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from core.origin import site_origin

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
# CPU seconds one render may spend in markdown-it and Pygments before it falls back to
# plain text. A 200,000-character article dense with markup takes 0.33-0.4 s (more on a
# busy machine); the fallback, sanitising, excerpt and reading time after a blown budget
# take about 0.02 s, so no body takes 0.5 s (bench/markdown_pathological.py).
RENDER_BUDGET_SECONDS = 0.45
TOO_COMPLEX_MESSAGE = (
    "This text is too complex to format: the server gave up after "
    f"{RENDER_BUDGET_SECONDS:g} s. Simplify long runs of brackets, emphasis markers or "
    "other Markdown punctuation (or put them in a code block)."
)
# Elements open inside each other, at most. Past it, the sanitiser (html5ever) slows
# with the square of the depth (`"<dl><dd>" * 25000`: 7 s); an article's lists and
# quotes nest a dozen deep at most (markdown-it itself stops at 20 levels).
MAX_NESTING_DEPTH = 100
TOO_DEEP_MESSAGE = (
    f"This text nests HTML elements more than {MAX_NESTING_DEPTH} deep, which the server "
    "does not format. Close the tags you open, or nest fewer of them."
)
_CHECK_EVERY = 256  # steps between two looks at the clock
# What steps that cannot look at the clock cost (CPU seconds), with a margin: see _Budget.
_COST_PER_DELIMITER = 2e-6  # markdown-it's passes over one paragraph's delimiters
_COST_PER_HTML_CHAR = 1.2e-7  # nh3, at most MAX_NESTING_DEPTH deep
_COST_PER_SCANNED_CHAR = 2e-8  # markup_depth() and the raw-HTML check
_CORE_TAIL_SHARE = 0.15  # core passes after parsing, as a share of the time spent before
_WORDS_PER_MINUTE = 200
# Not `<[^>]+>`: on "<<<<…" that pattern backtracks to the end from every "<" (quadratic).
_TAGS = re.compile(r"<[^<>]+>")
# A tag as the sanitiser writes it (attribute values in double quotes, which may hold
# `>`), or one cut short at the end of a slice. Possessive: linear on any input.
_SERIALISED_TAG = re.compile(r'<[A-Za-z/!?](?:[^>"]++|"[^"]*+(?:"|\Z))*+(?:>|\Z)')
_SLUG_DROP = re.compile(r"[^\w\- ]")

logger = logging.getLogger(__name__)
MarkdownPlugin = Callable[[MarkdownIt], None]
_plugins: list[MarkdownPlugin] = []


def register_plugin(plugin: MarkdownPlugin) -> None:
    """Add a markdown-it plugin to every later render (idempotent)."""
    if plugin not in _plugins:
        _plugins.append(plugin)
        _parser.cache_clear()


class Rendering(NamedTuple):
    html: str
    complete: bool  # False: `html` is the plain-text fallback (see `problem`)
    excerpt: str = ""  # the excerpt `excerpt_from(html)`, made inside the same budget
    source: str = ""  # the Markdown rendered: `Post.save()` reuses a validated rendering
    problem: str = ""  # why it is not complete, for the writer (TOO_COMPLEX_MESSAGE...)


class RefusedBody(Exception):
    """Raised by a plugin (or the nesting check) to refuse a body with a message for the
    writer: the body is rendered as plain text, and forms and the API refuse it."""

    def __init__(self, message: str, code: str = "too_complex") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def render(
    source: str,
    *,
    reader_content: bool = False,
    budget_seconds: float = RENDER_BUDGET_SECONDS,
) -> Rendering:
    """Render Markdown to HTML that is safe to show to any reader, with its excerpt, all
    within one budget: parsing, plugins, the nesting check, sanitising and the excerpt.

    `reader_content`: text a reader wrote (a comment), whose links to other sites get
    `rel="nofollow ugc"`; posts' links (False) are followed. `budget_seconds` is for
    benchmarks (`math.inf` measures the parser unbounded).
    """
    original, source = source, _without_placeholders(source)
    # The cyclic garbage collector waits until the render is done: a full collection
    # walks every object of a Django worker (70-90 ms), a fifth of a long render, and
    # would land inside the budget at random. A render makes little cyclic garbage.
    collecting = gc.isenabled()
    gc.disable()
    token = _budget.set(_Budget(budget_seconds))
    try:
        html = _parser().render(source)
        budget = _budget.get()
        budget.expect(len(html) * _COST_PER_SCANNED_CHAR)
        if markup_depth(html, stop_after=MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH:
            raise RefusedBody(TOO_DEEP_MESSAGE)
        budget.expect(len(html) * _COST_PER_HTML_CHAR)
        html = _sanitise(html, reader_content=reader_content)
        return Rendering(html, True, excerpt_from(html), original)
    except _OverBudget:
        problem = TOO_COMPLEX_MESSAGE
    except RefusedBody as refused:
        problem = refused.message
    finally:
        _budget.reset(token)
        if collecting:
            gc.enable()
    html = _sanitise(_plain_html(source), reader_content=reader_content)
    return Rendering(html, False, excerpt_from(html), original, problem)


def render_markdown(source: str) -> str:
    """The HTML of `render()`: formatted, or plain text if formatting took too long.

    What the shell, importers and re-renders store (`Post.save()` uses `render()`).
    """
    return logged(render(source)).html


def logged(rendering: Rendering) -> Rendering:
    """`rendering`, with a warning in the log when it fell back to plain text."""
    if not rendering.complete:
        logger.warning(
            "Markdown stored as plain text (%d chars): %s",
            len(rendering.source),
            rendering.problem,
        )
    return rendering


def validate_renderable(source: str) -> Rendering:
    """Django validator for forms and serializers: refuse what would fall back to plain
    text, so the writer learns it now rather than from the published page.

    Returns the rendering, which the caller may hand to the post (`Post.rendering`) so
    that saving does not render the same body again."""
    rendering = render(source)
    if not rendering.complete:
        raise ValidationError(rendering.problem, code="too_complex")
    return rendering


def plain_text(html: str) -> str:
    """The words of rendered (sanitised) HTML, for excerpts, descriptions and contents:
    text, not HTML (`&` is `&`), since every template, feed and the API escape what they
    output.

    A linear pass that drops the tags, not the sanitiser again: the input is the
    sanitiser's own output (every tag well formed, attributes double-quoted), and running
    nh3 again on a deeply nested body cost seconds outside the render's budget. A tag cut
    by a caller's slice (at the end) is dropped too."""
    return html_lib.unescape(" ".join(_SERIALISED_TAG.sub("", html).split()))


def reading_minutes(source: str) -> int:
    """Minutes an average reader needs, at least one."""
    return max(1, round(len(_TAGS.sub(" ", source).split()) / _WORDS_PER_MINUTE))


# Excerpts ---------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_EXCERPT_MARKUP_RATIO = 40  # HTML characters looked at per character of excerpt


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
        # Only the start of a long paragraph matters; a cut tag at the end is dropped.
        parts.append(plain_text(match.group(1)[: limit * _EXCERPT_MARKUP_RATIO]))
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


def nested_contents(headings: list[dict]) -> list[dict]:
    """`table_of_contents()` as a tree: each h2 with its h3s in `children`, so the page
    draws lists within lists and numbers each level on its own ("1, 2" with "1.1"
    under 1, not "1, ◦, 3"). An h3 before the first h2 stands at the top level."""
    tree: list[dict] = []
    for heading in headings:
        item = {**heading, "children": []}
        if heading["level"] > 2 and tree and tree[-1]["level"] == 2:
            tree[-1]["children"].append(item)
        else:
            tree.append(item)
    return tree


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
    budget = _budget.get()
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        budget.tick()
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


# Raw HTML and nesting depth ------------------------------------------------------------

# Markup as CommonMark defines it (which is how markdown-it finds inline HTML), and as
# the HTML tokenizer reads it: comments end at the first `-->` or `--!>`; other `<!`,
# `<?` constructs at the first `>`. Possessive and anchored at their ends (`\Z`), so a
# scan is linear whatever the input.
_ATTRIBUTE = (
    r"""\s++[A-Za-z_:][A-Za-z0-9_.:-]*+"""
    r"""(?:\s*+=\s*+(?:[^"'=<>`\s]++|'[^']*+'|"[^"]*+"))?+"""
)
_MARKUP = re.compile(
    r"<(?:"
    r"(?P<comment>!--(?:-?>|.*?(?:--!?>|\Z)))"
    r"|(?P<other>[!?][^>]*+(?:>|\Z))"
    r"|/(?P<close>[A-Za-z][A-Za-z0-9-]*+)\s*+>"
    rf"|(?P<open>[A-Za-z][A-Za-z0-9-]*+)(?:{_ATTRIBUTE})*+\s*+/?>"
    r")",
    re.DOTALL,
)
_VOID_ELEMENTS = frozenset({
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
})  # fmt: skip
# Their content is text to the HTML parser, up to their end tag (plaintext: to the end).
_RAW_TEXT_ELEMENTS = frozenset({
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
    "noscript", "plaintext",
})  # fmt: skip


def markup_depth(html: str, *, stop_after: int | None = None) -> int:
    """How deep elements nest in `html`, counted so that the HTML parser never goes
    deeper (by more than the few elements it adds itself, such as a table's body).

    Every start tag of a non-void element opens one; an end tag closes one only when it
    names the innermost open element (the parser closes at least as much). Comments and
    the content of script, textarea and the like are skipped as the parser skips them.
    Text that is not markup as CommonMark defines it cannot be a tag here: the
    `strict_raw_html` rule escaped it. Stops counting past `stop_after`.
    """
    open_elements: list[str] = []
    deepest, position = 0, 0
    while (match := _MARKUP.search(html, position)) is not None:
        position = match.end()
        name = match["open"]
        if name:
            name = name.lower()
            if name in _RAW_TEXT_ELEMENTS:
                end = html.lower().find(f"</{name}", position) if name != "plaintext" else -1
                if end < 0:
                    break  # the rest is text
                position = end
                continue
            if name in _VOID_ELEMENTS:
                continue
            open_elements.append(name)
            deepest = max(deepest, len(open_elements))
            if stop_after is not None and deepest > stop_after:
                break
        elif match["close"] and open_elements and open_elements[-1] == match["close"].lower():
            open_elements.pop()
    return deepest


def _strict_markup(text: str) -> str:
    """`text` with every `<` that starts no markup (as `_MARKUP` reads it) escaped.

    An HTML block is passed through as written; the HTML parser would read `<a ="x">`
    or `</ x>` as tags and comments that `markup_depth` cannot follow, so such a `<` is
    shown as text instead (which is what a reader would have seen of it anyway)."""
    out, position = [], 0
    while (start := text.find("<", position)) >= 0:
        out.append(text[position:start])
        match = _MARKUP.match(text, start)
        if match is None:
            out.append("&lt;")
            position = start + 1
        else:
            out.append(match.group())
            position = match.end()
    out.append(text[position:])
    return "".join(out)


def _strict_raw_html(state: StateCore) -> None:
    """Core rule: raw HTML blocks keep only well-formed markup (see `_strict_markup`)."""
    budget = _budget.get()
    for token in state.tokens:
        if token.type == "html_block" and "<" in token.content:
            budget.expect(len(token.content) * _COST_PER_SCANNED_CHAR)
            token.content = _strict_markup(token.content)


# Code highlighting ------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _lexer(language: str):
    """Lexers are reusable; finding one by name costs more than highlighting a line."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def _metered(tokens: Iterator) -> Iterator:
    """Pygments' token stream, charged to the render's budget token by token: one
    20,000-character block can take Pygments a quarter of a second."""
    budget = _budget.get()
    for token in tokens:
        budget.tick()
        yield token


_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, language: str, _attrs: str) -> str | None:
    """Pygments markup for a fenced block with a known language, else markdown-it's own.

    No guessing the language (slow, and often wrong); long blocks stay plain because a
    lexer is a set of regular expressions.
    """
    if not language or len(code) > MAX_HIGHLIGHT_CHARS:
        return None
    lexer = _lexer(language)
    if lexer is None:
        return None
    body = pygments_format(_metered(lexer.get_tokens(code)), _FORMATTER)
    css_language = re.sub(r"[^\w-]", "", language)
    return (
        f'<pre class="{HIGHLIGHT_CSS_CLASS}"><code class="language-{css_language}">'
        f"{body}</code></pre>"
    )


# The budget -------------------------------------------------------------------------


class _OverBudget(Exception):
    """Raised from inside markdown-it when the render's CPU budget is spent."""


class _Budget:
    """The CPU time one render may still use. `tick()` is cheap: only every
    `_CHECK_EVERY`-th call asks the clock, which is this thread's CPU time.

    Some steps cannot be interrupted: markdown-it's passes over a whole paragraph's
    delimiters or over every token, and nh3. Before each, `expect()` refuses to start
    one that would end past the deadline, from its size (`_COST_*`, measured on the
    test machine with a margin).
    """

    __slots__ = ("countdown", "deadline", "start")

    def __init__(self, seconds: float) -> None:
        self.start = time.thread_time()
        self.deadline = self.start + seconds
        self.countdown = _CHECK_EVERY

    def tick(self) -> None:
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown = _CHECK_EVERY
            self.check()

    def check(self) -> None:
        if time.thread_time() > self.deadline:
            raise _OverBudget

    def expect(self, seconds: float) -> None:
        if time.thread_time() + seconds > self.deadline:
            raise _OverBudget

    def expect_share(self, share: float) -> None:
        """What is left costs at most `share` of what was spent so far."""
        now = time.thread_time()
        if now + (now - self.start) * share > self.deadline:
            raise _OverBudget


# The budget of the render under way in this thread (or task). Outside render() (a
# plugin's own test, say) an unlimited one, shared: its countdown is all it changes.
_UNLIMITED = _Budget(math.inf)
_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar(
    "markdown_budget", default=_UNLIMITED
)


def _tick_inline(state, silent: bool) -> bool:
    _budget.get().tick()
    return False  # never matches: the next rule runs


def _tick_block(state, start: int, end: int, silent: bool) -> bool:
    _budget.get().tick()
    return False


def _before_delimiter_passes(state) -> None:
    # Balancing emphasis and joining fragments walk the paragraph's delimiters in one go.
    if len(state.delimiters) > _CHECK_EVERY:
        _budget.get().expect(len(state.delimiters) * _COST_PER_DELIMITER)
    else:
        _budget.get().tick()


def _check_core(state: StateCore) -> None:
    # The core passes after parsing (text joining, footnotes, heading ids, images) walk
    # every token without looking at the clock: together well under a fifth of parsing.
    _budget.get().expect_share(_CORE_TAIL_SHARE)


class _MeteredRenderer(RendererHTML):
    """markdown-it's HTML renderer, charging every token it writes to the budget."""

    def __init__(self, parser=None) -> None:
        super().__init__(parser)
        self.rules = {name: _charged(rule) for name, rule in self.rules.items()}

    def renderToken(self, tokens, idx, options, env) -> str:
        _budget.get().tick()
        return super().renderToken(tokens, idx, options, env)


def _charged(rule):
    def charged(tokens, idx, options, env):
        _budget.get().tick()
        return rule(tokens, idx, options, env)

    return charged


def _meter(parser: MarkdownIt) -> None:
    """Put a tick in front of every rule chain of every parser stage, and a clock check
    between core stages, so no stage runs long without looking at the budget."""
    inline = parser.inline.ruler
    inline.before(inline.get_all_rules()[0], "budget", _tick_inline)
    after = parser.inline.ruler2
    after.before(after.get_all_rules()[0], "budget", _before_delimiter_passes)
    block = parser.block.ruler
    chains = sorted({chain for rule in block.__rules__ for chain in rule.alt})
    block.before(block.get_all_rules()[0], "budget", _tick_block, {"alt": chains})
    for name in parser.core.ruler.get_all_rules():
        parser.core.ruler.after(name, f"budget_after_{name}", _check_core)


# Escaped characters nh3 handles slowly (0.4 s for 200,000 "&amp;"), swapped for
# noncharacters ("for internal use", never in a body: see `_without_placeholders`)
# while it runs. Both stand for an escaped, inert character, so nothing nh3 decides
# changes: no tag, attribute or URL scheme can be made of them.
_PLACEHOLDERS = {"&amp;": "\ufdd0", "&lt;": "\ufdd1", "&gt;": "\ufdd2"}


def _without_placeholders(source: str) -> str:
    for placeholder in _PLACEHOLDERS.values():
        if placeholder in source:
            source = source.replace(placeholder, "\ufffd")
    return source


def _clean(html: str, **options) -> str:
    """`nh3.clean`, with the slow entities swapped out while it runs."""
    for entity, placeholder in _PLACEHOLDERS.items():
        html = html.replace(entity, placeholder)
    html = nh3.clean(html, **options)
    for entity, placeholder in _PLACEHOLDERS.items():
        html = html.replace(placeholder, entity)
    return html


def _sanitise(html: str, *, reader_content: bool = False) -> str:
    html = _clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=None,  # followed; `rel` is not an allowed attribute, so none is left
        filter_style_properties={"text-align"},
    ).strip()
    return _unvouched_links(html) if reader_content else html


# A link's start tag as the sanitiser writes it: attributes double-quoted, `"` escaped.
_LINK_START = re.compile(r'<a((?: [a-z-]+="[^"]*+")*+)>')
_HREF = re.compile(r' href="([^"]*+)"')
UNVOUCHED_REL = "nofollow ugc"


def _unvouched_links(html: str) -> str:
    """`rel="nofollow ugc"` on every link of sanitised HTML that leads to another site.

    A linear pass over the sanitiser's own output (well-formed, quoted, no `rel` left),
    so it covers links written as Markdown and as raw HTML alike."""

    def mark(match: re.Match) -> str:
        href = _HREF.search(match[1])
        if href is None or not is_external(html_lib.unescape(href[1])):
            return match[0]
        return f'<a{match[1]} rel="{UNVOUCHED_REL}">'

    return _LINK_START.sub(mark, html)


def is_external(url: str) -> bool:
    """Whether `url` leads off the site: a web address on another host than the site's
    origin (`BROADSHEET_SITE_URL`). Paths, fragments and `mailto:` stay on the site."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("", "http", "https") or not parts.netloc:
        return False
    return (parts.hostname or "") != (urlsplit(site_origin()).hostname or "")


def _plain_html(source: str) -> str:
    """The fallback: the source as escaped text, a paragraph per run of lines between
    blank lines. Linear, and a few hundredths of a second at the largest body."""
    paragraphs, lines = [], []
    for line in source.splitlines():
        if line.strip():
            lines.append(line)
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n".join(f"<p>{html_lib.escape(text, quote=False)}</p>" for text in paragraphs)


@functools.cache
def _parser() -> MarkdownIt:
    parser = (
        MarkdownIt("commonmark", {"highlight": _highlight}, renderer_cls=_MeteredRenderer)
        .enable(["table", "strikethrough"])
        # No inline footnotes (`^[note]`, undocumented): their rule walks every `[`
        # again, doubling the parse of bracket-heavy text.
        .use(footnote_plugin, inline=False)
        .use(deflist_plugin)
    )
    parser.core.ruler.push("heading_ids", _heading_ids)
    parser.core.ruler.push("strict_raw_html", _strict_raw_html)
    for plugin in _plugins:
        parser.use(plugin)
    _meter(parser)
    return parser
