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
from markdownify import MarkdownConverter

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
# WordPress's "read more" and page-break markers: a paragraph break, never glued words.
_BREAK_COMMENT = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b.*?-->", re.DOTALL)
# The block editor's embed block keeps the address as the text of a wrapper `div`: it
# becomes the address alone in its paragraph, which the `embeds` app shows as an embed.
_EMBED_BLOCK = re.compile(
    r'<div class="wp-block-embed__wrapper">\s*(https?://[^\s<"]+)\s*</div>', re.IGNORECASE
)
# Elements whose content is a remote resource our Markdown cannot embed (yet): kept as a
# link to it, so the reader still reaches the video, the audio or the map.
MEDIA_TAGS = ("iframe", "video", "audio", "embed", "object")
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
    cleaned = to_html(body, body_format)[0]
    return body if cleaned is None else html_to_markdown(cleaned)


def to_html(body: str, body_format: str) -> tuple[str | None, list[str]]:
    """The HTML markdownify is given (None for a Markdown body), and what was removed on
    the way (a `[gallery]` shortcode, say): the losses the summary must count."""
    removed: list[str] = []
    if body_format == "wordpress":
        return wordpress_to_html(body, removed), removed
    if body_format == "html":
        return ghost_cards(body), removed
    return None, removed


def wordpress_to_html(content: str, removed: list[str] | None = None) -> str:
    """A WordPress post body (classic or block editor) as plain HTML: block comments
    gone, shortcodes expanded (each one dropped is named in `removed`), paragraphs."""
    content = _BLOCK_COMMENT.sub("", content or "")
    content = _BREAK_COMMENT.sub("\n\n", content)
    content = _EMBED_BLOCK.sub(lambda m: _lone_link(html.unescape(m[1])), content)
    content = _JETPACK_EMBED.sub(lambda m: _lone_link(_jetpack_url(m[1], m[2])), content)
    content = _shortcodes(content, removed if removed is not None else [])
    return autop(content)


# `[youtube=https://…]`, `[vimeo 123]`: WordPress.com's (Jetpack's) forms.
_JETPACK_EMBED = re.compile(
    r"\[(youtube|vimeo|soundcloud|spotify|tweet)(?:=|\s+(?![\w-]+=))([^\]\s]+)[^\]]*\]",
    re.IGNORECASE,
)
# Shortcodes of providers `embeds` knows: their address alone in a paragraph.
EMBED_SHORTCODES = ("embed", "youtube", "vimeo", "soundcloud", "spotify", "tweet", "twitter")
_ID_URLS = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "tweet": "https://twitter.com/i/status/{}",
}


def _jetpack_url(name: str, value: str) -> str:
    value = html.unescape(value.strip("\"'"))
    if value.startswith(("http://", "https://")):
        return value
    template = _ID_URLS.get(name.lower())
    return template.format(value) if template and re.fullmatch(r"[\w-]{1,64}", value) else ""


def _lone_link(url: str) -> str:
    """`url` alone in its paragraph: an embed (`embeds`), a plain link everywhere else."""
    if not url:
        return ""
    escaped = html.escape(url)
    return f'\n\n<p><a href="{escaped}">{escaped}</a></p>\n\n'


def wordpress_to_markdown(content: str) -> str:
    """A WordPress post body (classic or block editor) as Markdown."""
    return html_to_markdown(wordpress_to_html(content))


def ghost_cards(content: str) -> str:
    """Ghost's bookmark cards (a link wrapping title, description, icon and thumbnail
    in `div`s) as a plain link and its description; the rest of Ghost's HTML as it is."""
    if "kg-bookmark-card" not in content:
        return content
    soup = BeautifulSoup(content, "html.parser")
    for card in soup.select("figure.kg-bookmark-card"):
        link = card.find("a", href=True)
        if link is None:
            continue
        title = card.select_one(".kg-bookmark-title")
        description = card.select_one(".kg-bookmark-description")
        caption = card.find("figcaption")
        paragraph = soup.new_tag("p")
        anchor = soup.new_tag("a", href=link["href"])
        anchor.string = title.get_text(" ", strip=True) if title else link["href"]
        paragraph.append(anchor)
        for extra in (description, caption):
            if extra and extra.get_text(strip=True):
                paragraph.append(soup.new_tag("br"))
                paragraph.append(extra.get_text(" ", strip=True))
        card.replace_with(paragraph)
    return str(soup)


_WORD = re.compile(r"\w+")
_KEPT_SCHEMES = ("http://", "https://", "mailto:", "/")


def conversion_losses(source_html: str, rendered_html: str) -> list[str]:
    """What of `source_html` a reader no longer finds in `rendered_html`, by kind:
    "text", "links", "images", "embeds". An independent check of the whole conversion
    (clean-up, markdownify, rendering, sanitising): nothing may disappear silently."""
    before, after = _features(source_html), _features(rendered_html)
    reached = after["links"] | after["images"] | after["embeds"]
    losses = []
    if before["words"] - after["words"]:
        losses.append("text")
    if {u for u in before["links"] if u.startswith(_KEPT_SCHEMES)} - after["links"]:
        losses.append("links")
    if before["images"] - after["images"]:
        losses.append("images")
    if before["embeds"] - reached:
        losses.append("embeds")
    return losses


_IMG_SRC = re.compile(r'<img\b[^>]*?\bsrc="(https?://[^"/?#]+)', re.IGNORECASE)


def pictures_elsewhere(rendered_html: str, shown_from: set[str]) -> set[str]:
    """The origins of the pictures in `rendered_html` (sanitised: double-quoted
    attributes) that are not among `shown_from`, lower-cased."""
    found = {html.unescape(origin).lower() for origin in _IMG_SRC.findall(rendered_html)}
    return found - shown_from


def _features(html_text: str) -> dict[str, set[str]]:
    soup = BeautifulSoup(html_text or "", "html.parser")
    for hidden in soup(["script", "style", "template", "noscript"]):
        hidden.decompose()
    return {
        "words": set(_WORD.findall(soup.get_text(" ").lower())),
        "links": {a["href"].strip() for a in soup.find_all("a", href=True)},
        "images": {i["src"].strip() for i in soup.find_all("img", src=True)},
        "embeds": {media_url(e) for e in soup.find_all(MEDIA_TAGS)} - {""},
    }


class _Converter(MarkdownConverter):
    """markdownify, keeping what plain Markdown has no syntax for as the HTML that
    `blog.markdown`'s sanitiser allows (sub, sup, mark, ins), and media as links."""

    def convert_mark(self, el, text, parent_tags):
        return f"<mark>{text}</mark>" if text.strip() else text

    def convert_u(self, el, text, parent_tags):
        return f"<ins>{text}</ins>" if text.strip() else text

    convert_ins = convert_u

    def _media_link(self, el, text, parent_tags):
        url = media_url(el)
        if not url:
            return text
        label = el.get("title") or url
        return f"\n\n[{self.escape(label, parent_tags)}]({url})\n\n"

    convert_iframe = convert_video = convert_audio = convert_embed = _media_link
    convert_object = _media_link


def media_url(element) -> str:
    """The address an embedded element shows: its `src`, `data`, or first `<source>`."""
    url = element.get("src") or element.get("data") or ""
    if not url:
        source = element.find("source")
        url = source.get("src", "") if source else ""
    return url.strip()


def html_to_markdown(content: str) -> str:
    """Any HTML body (Ghost's `html`, WordPress after clean-up) as Markdown."""
    text = _Converter(
        heading_style="ATX",
        bullets="-",
        # <script> and <style> are dropped with their content (markdownify's default);
        # these keep only their text.
        strip=["form", "input", "button"],
        code_language_callback=_code_language,
        # Text that looks like Markdown or HTML (`&lt;code&gt;`, `1.`, `|` in a table
        # cell, a backslash) is escaped, so it stays text; `<br>` stays a line break.
        escape_misc=True,
        newline_style="backslash",
        sub_symbol="<sub>",
        sup_symbol="<sup>",
    ).convert(content)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = _LINK_LINE.sub(_autolink, text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


# A line that is only a link whose text is its own address, as markdownify writes it.
_LINK_LINE = re.compile(r"^\[((?:[^\]\\\n]|\\.)+)\]\((https?://[^\s()<>]+)\)$", re.MULTILINE)


def _autolink(match: re.Match) -> str:
    """`[https://…](https://…)` → `<https://…>`: the address alone on its line, readable
    in the editor, and shown as an embed where it is one (`embeds`)."""
    text = re.sub(r"\\(.)", r"\1", match[1])
    return f"<{match[2]}>" if text == match[2] else match[0]


def _code_language(element) -> str:
    """`<pre><code class="language-python">` (or on the `<pre>`) → `python`."""
    for node in (element, element.find("code")):
        for css in (node.get("class") or []) if node else []:
            if css.startswith(("language-", "lang-")):
                return css.split("-", 1)[1]
    return ""


def untitled_title(body_html: str, date: str | None = None, words: int = 8) -> str:
    """A title for an untitled post: its first words, else "Untitled (date)"."""
    body = _LINE_BREAK.sub(" ", _SHORTCODE_OR_COMMENT.sub(" ", body_html or ""))
    text = html_to_text(body, limit=120).split()
    if text:
        first = " ".join(text[:words])
        return first + ("…" if len(text) > words else "")
    day = (date or "").strip()[:10]
    return f"Untitled ({day})" if day and not day.startswith("0000") else "Untitled"


_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SHORTCODE_OR_COMMENT = re.compile(r"<!--.*?-->|\[/?\w[\w-]*[^\]]*\]", re.DOTALL)


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


def _enclosing(match: re.Match, removed: list[str]) -> str:
    name, attrs, inner = match[1].lower(), _attrs(match[2]), match[3]
    if name in ("caption", "wp_caption"):
        # [caption]<a><img …></a> The caption[/caption]: the image (with its link), then
        # the caption as a line, links in it kept.
        soup = BeautifulSoup(inner, "html.parser")
        image = soup.find("img")
        media = (image.find_parent("a") or image) if image else None
        if media is not None:
            media.extract()
        caption = html.escape(attrs["caption"]) if attrs.get("caption") else ""
        caption = caption or soup.decode_contents().strip()
        return f"\n\n<p>{media or ''}</p>\n\n<p><em>{caption}</em></p>\n\n"
    if name in ("code", "sourcecode"):
        language = attrs.get("language") or attrs.get("lang") or ""
        body = html.escape(html.unescape(inner.strip("\n")))
        css = f' class="language-{html.escape(language)}"' if language else ""
        return f"\n\n<pre><code{css}>{body}</code></pre>\n\n"
    if name in ("embed", "youtube", "vimeo", "audio", "video", "tweet", "soundcloud", "spotify"):
        url = inner.strip() or next((attrs[a] for a in _MEDIA_ATTRS if attrs.get(a)), "")
        return _lone_link(html.unescape(url))
    return _shortcodes(inner, removed)  # unknown enclosing shortcode: keep what it wraps


# Self-closing shortcodes whose removal loses nothing a reader saw in the text itself.
_MARKERS = {"more", "nextpage"}
_MEDIA_ATTRS = ("src", "url", "mp3", "m4a", "ogg", "wav", "mp4", "m4v", "webm", "ogv")


def _self_closing(match: re.Match, removed: list[str]) -> str:
    name, attrs = match[1].lower(), _attrs(match[2])
    if name not in KNOWN_SHORTCODES and not attrs:
        return match[0]  # "[1]", "[sic]": ordinary text, not a shortcode
    url = next((attrs[a] for a in _MEDIA_ATTRS if attrs.get(a)), "")
    if name in EMBED_SHORTCODES and not url and attrs.get("id"):
        url = _jetpack_url(name, attrs["id"])  # `[youtube id="dQw4w9WgXcQ"]`
    if name in ("audio", "video", *EMBED_SHORTCODES) and url:
        return _lone_link(html.unescape(url))
    if name == "playlist" and url:
        return f'<a href="{html.escape(url)}">{html.escape(url)}</a>'
    if name in ("youtube", "vimeo", "tweet", "twitter", "instagram", "soundcloud", "spotify"):
        # `[youtube https://…]`: the address is the shortcode's first "attribute".
        bare = match[2].strip().split()[0] if match[2].strip() else ""
        if bare.startswith(("http://", "https://")):
            return _lone_link(html.unescape(bare))
    if name not in _MARKERS:
        removed.append(f"shortcode [{name}]")
    return ""


def _shortcodes(content: str, removed: list[str]) -> str:
    content = _ENCLOSING.sub(lambda m: _enclosing(m, removed), content)
    return _SELF_CLOSING.sub(lambda m: _self_closing(m, removed), content)
