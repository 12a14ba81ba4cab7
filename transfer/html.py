"""Imported HTML → Markdown source, so imported posts are edited like any other.

WordPress stores post bodies as HTML with three habits a converter does not know:
block-editor comments (`<!-- wp:paragraph -->`), shortcodes (`[caption]…[/caption]`,
`[gallery]`, `[embed]`), and "auto-paragraphs" (blank lines instead of `<p>`, which
WordPress adds only when it displays the post). `wordpress_to_markdown` undoes those, then
markdownify (a well-kept converter) writes Markdown. The result is rendered and sanitised
by `blog.markdown` like every other body: nothing here is trusted to be safe.
"""

from __future__ import annotations

import html
import re

from bs4 import BeautifulSoup
from markdownify import markdownify

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
_ATTRS = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
# [name attrs]inner[/name] and lone [name attrs]: names as WordPress allows them.
_ENCLOSING = re.compile(r"\[(\w[\w-]*)([^\]]*)\](.*?)\[/\1\]", re.DOTALL)
_SELF_CLOSING = re.compile(r"\[(\w[\w-]*)((?:\s+[^\]]*)?)/?\]")
# Shortcodes that carry no content of their own worth keeping when they stand alone.
KNOWN_SHORTCODES = {
    "audio", "caption", "embed", "gallery", "playlist", "video", "wp_caption", "youtube",
    "vimeo", "tweet", "twitter", "contact-form", "contact-form-7", "code", "sourcecode",
    "soundcloud", "instagram", "spotify", "googlemaps", "wpforms", "more", "nextpage",
}  # fmt: skip
_BLOCK_TAGS = re.compile(
    r"^\s*<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|img|iframe|dl|address|"
    r"section|article|aside|header|footer|details|form|fieldset|noscript|video|audio|"
    r"figcaption|style|script)\b",
    re.IGNORECASE,
)


def to_markdown(body: str, body_format: str) -> str:
    """`body` in `body_format` ("markdown", "html" or "wordpress") as Markdown."""
    if body_format == "wordpress":
        return wordpress_to_markdown(body)
    if body_format == "html":
        return html_to_markdown(body)
    return body


def wordpress_to_markdown(content: str) -> str:
    """A WordPress post body (classic or block editor) as Markdown."""
    content = _BLOCK_COMMENT.sub("", content or "")
    content = _shortcodes(content)
    content = autop(content)
    return html_to_markdown(content)


def html_to_markdown(content: str) -> str:
    """Any HTML body (Ghost's `html`, WordPress after clean-up) as Markdown."""
    text = markdownify(
        content,
        heading_style="ATX",
        bullets="-",
        # <script> and <style> are dropped with their content (markdownify's default);
        # these keep only their text.
        strip=["iframe", "form", "input", "button"],
        code_language_callback=_code_language,
    )
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _code_language(element) -> str:
    """`<pre><code class="language-python">` (or on the `<pre>`) → `python`."""
    for node in (element, element.find("code")):
        for css in (node.get("class") or []) if node else []:
            if css.startswith(("language-", "lang-")):
                return css.split("-", 1)[1]
    return ""


def html_to_text(content: str, limit: int = 500) -> str:
    """Plain text of an HTML fragment (an excerpt), at most `limit` characters."""
    text = " ".join(BeautifulSoup(content or "", "html.parser").get_text().split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def autop(content: str) -> str:
    """WordPress's wpautop, reduced: blank-line-separated text becomes `<p>` paragraphs.

    Written here because no maintained Python port exists; it only wraps chunks that do
    not already start with a block element, and turns single newlines into `<br>` as
    WordPress does when it displays a post.
    """
    chunks = re.split(r"\n\s*\n", content.replace("\r\n", "\n").strip())
    out = []
    for chunk in chunks:
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_TAGS.match(chunk) or "<pre" in chunk.lower():
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n\n".join(out)


def _attrs(text: str) -> dict[str, str]:
    return {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTRS.findall(text)}


def _enclosing(match: re.Match) -> str:
    name, attrs, inner = match[1].lower(), _attrs(match[2]), match[3]
    if name in ("caption", "wp_caption"):
        # [caption]<img …> The caption[/caption]: the image, then the caption as a line.
        soup = BeautifulSoup(inner, "html.parser")
        media = soup.find("a") or soup.find("img")
        caption = attrs.get("caption") or soup.get_text(" ").strip()
        image = str(media) if media else ""
        return f"\n\n<p>{image}</p>\n\n<p><em>{html.escape(caption)}</em></p>\n\n"
    if name in ("code", "sourcecode"):
        language = attrs.get("language") or attrs.get("lang") or ""
        body = html.escape(html.unescape(inner.strip("\n")))
        css = f' class="language-{html.escape(language)}"' if language else ""
        return f"\n\n<pre><code{css}>{body}</code></pre>\n\n"
    if name in ("embed", "youtube", "vimeo", "audio", "video", "tweet"):
        url = inner.strip() or attrs.get("src", "") or attrs.get("url", "")
        return f'<p><a href="{html.escape(url)}">{html.escape(url)}</a></p>' if url else ""
    return _shortcodes(inner)  # unknown enclosing shortcode: keep what it wraps


def _self_closing(match: re.Match) -> str:
    name, attrs = match[1].lower(), _attrs(match[2])
    if name not in KNOWN_SHORTCODES and not attrs:
        return match[0]  # "[1]", "[sic]": ordinary text, not a shortcode
    url = attrs.get("src") or attrs.get("url") or attrs.get("mp3") or attrs.get("mp4")
    if name in ("audio", "video", "embed", "youtube", "vimeo") and url:
        return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'
    return ""


def _shortcodes(content: str) -> str:
    content = _ENCLOSING.sub(_enclosing, content)
    return _SELF_CLOSING.sub(_self_closing, content)
