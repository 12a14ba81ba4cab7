"""Ghost's editor documents (Koenig) → HTML, for exports whose posts have no `html`.

Ghost 1 to 4 stored posts as Mobiledoc, Ghost 5 as Lexical; both are documented JSON
formats (mobiledoc 0.3: sections, markers, markups, atoms and cards; Lexical: a tree of
typed nodes). Each card Ghost's editor offers becomes the HTML Ghost itself would show,
as far as our Markdown can carry it: an image with its caption, a code block with its
language, a bookmark or an embed as a link, a callout as a quote, a toggle as a heading
and its text. A card with nothing for a reader (a paywall marker, an email-only block)
is dropped; any card type not known here is named in `lost`, so the summary counts it.

No library renders these formats in Python (Ghost's own renderers are JavaScript), so
this is written here; the HTML it gives goes through the same Markdown conversion and
sanitiser as every imported body.
"""

from __future__ import annotations

import json
from html import escape

from blog.markdown import render_markdown

# Cards that show readers nothing on a web page: dropped without counting a loss.
_SILENT_CARDS = {"paywall", "email", "email-cta", "signup", "horizontalrule", "hr"}
# Lexical text format bits (lexical/packages/lexical/src/LexicalConstants.ts).
_FORMATS = (
    (16, "code"), (1, "strong"), (2, "em"), (4, "s"), (8, "ins"),
    (32, "sub"), (64, "sup"), (128, "mark"),
)  # fmt: skip


def card_html(name: str, payload: dict, lost: list[str]) -> str:
    """One Ghost card (the same payload in Mobiledoc and Lexical) as HTML."""
    get = payload.get
    caption = f"<p><em>{get('caption')}</em></p>" if get("caption") else ""
    if name == "markdown":
        return render_markdown(get("markdown") or "")
    if name == "html":
        return get("html") or ""
    if name == "image":
        image = f'<img src="{escape(get("src") or "")}" alt="{escape(get("alt") or "")}">'
        if get("href"):
            image = f'<a href="{escape(get("href"))}">{image}</a>'
        return f"<p>{image}</p>{caption}"
    if name == "gallery":
        images = "".join(
            f'<img src="{escape(i.get("src") or "")}" alt="{escape(i.get("alt") or "")}">'
            for i in get("images") or []
        )
        return f"<p>{images}</p>{caption}"
    if name in ("code", "codeblock"):
        language = escape(get("language") or "")
        css = f' class="language-{language}"' if language else ""
        return f"<pre><code{css}>{escape(get('code') or '')}</code></pre>{caption}"
    if name in ("embed", "video", "audio", "file", "bookmark"):
        url = get("url") or get("src") or ""
        meta = get("metadata") or {}
        label = meta.get("title") or get("title") or get("fileName") or url
        text = f" — {escape(meta['description'])}" if meta.get("description") else ""
        return f'<p><a href="{escape(url)}">{escape(label)}</a>{text}</p>{caption}' if url else ""
    if name == "button":
        url, text = get("buttonUrl") or "", get("buttonText") or get("buttonUrl") or ""
        return f'<p><a href="{escape(url)}">{escape(text)}</a></p>' if url else ""
    if name == "callout":
        emoji = escape(get("calloutEmoji") or "")
        return f"<blockquote><p>{emoji} {get('calloutText') or ''}</p></blockquote>"
    if name == "toggle":
        return f"<p><strong>{get('heading') or ''}</strong></p>{get('content') or ''}"
    if name == "header":
        return f"<h2>{get('header') or ''}</h2><p>{get('subheader') or ''}</p>"
    if name in _SILENT_CARDS:
        return "<hr>" if name in ("hr", "horizontalrule") else ""
    lost.append(f"Ghost card {name!r}")
    return ""


# --- Mobiledoc 0.3 ----------------------------------------------------------------------


def mobiledoc_html(raw: str, lost: list[str] | None = None) -> str:
    """A Mobiledoc document (a JSON string) as HTML."""
    lost = [] if lost is None else lost
    doc = json.loads(raw)
    markups, atoms, cards = doc.get("markups", []), doc.get("atoms", []), doc.get("cards", [])
    out = []
    for section in doc.get("sections", []):
        kind = section[0]
        if kind == 1:  # markup section: [1, tag, markers]
            tag = str(section[1]).lower()
            tag = tag if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote") else "p"
            out.append(f"<{tag}>{_markers(section[2], markups, atoms)}</{tag}>")
        elif kind == 2:  # image section: [2, src]
            out.append(f'<p><img src="{escape(section[1])}" alt=""></p>')
        elif kind == 3:  # list section: [3, "ul"|"ol", [markers, …]]
            tag = "ol" if section[1] == "ol" else "ul"
            items = "".join(f"<li>{_markers(m, markups, atoms)}</li>" for m in section[2])
            out.append(f"<{tag}>{items}</{tag}>")
        elif kind == 10:  # card section: [10, card index]
            name, payload = cards[section[1]]
            out.append(card_html(name, payload or {}, lost))
    return "".join(out)


def _markers(markers: list, markups: list, atoms: list) -> str:
    html, open_tags = [], []
    for kind, opened, closed, value in markers:
        for index in opened:
            tag, attrs = markups[index][0], markups[index][1] if len(markups[index]) > 1 else []
            pairs = " ".join(
                f'{attrs[i]}="{escape(str(attrs[i + 1]))}"' for i in range(0, len(attrs) - 1, 2)
            )
            html.append(f"<{tag}{' ' + pairs if pairs else ''}>")
            open_tags.append(tag)
        if kind == 0:
            html.append(escape(value))
        else:  # an atom: Ghost's only one is the soft return
            name, text = atoms[value][0], atoms[value][1]
            html.append("<br>" if name == "soft-return" else escape(text or ""))
        for _ in range(closed):
            html.append(f"</{open_tags.pop()}>")
    return "".join(html)


# --- Lexical ----------------------------------------------------------------------------


def lexical_html(raw: str, lost: list[str] | None = None) -> str:
    """A Lexical document (a JSON string) as HTML."""
    lost = [] if lost is None else lost
    root = json.loads(raw).get("root", {})
    return "".join(_node(child, lost) for child in root.get("children", []))


def _children(node: dict, lost: list[str]) -> str:
    return "".join(_node(child, lost) for child in node.get("children", []))


def _node(node: dict, lost: list[str]) -> str:
    kind = node.get("type", "")
    if kind in ("text", "extended-text"):
        text = escape(node.get("text", ""))
        for bit, tag in _FORMATS:
            if node.get("format", 0) & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind == "tab":
        return " "
    if kind in ("link", "autolink"):
        return f'<a href="{escape(node.get("url", ""))}">{_children(node, lost)}</a>'
    if kind == "paragraph":
        return f"<p>{_children(node, lost)}</p>"
    if kind in ("heading", "extended-heading"):
        tag = node.get("tag", "h2") if node.get("tag") in {f"h{i}" for i in range(1, 7)} else "h2"
        return f"<{tag}>{_children(node, lost)}</{tag}>"
    if kind in ("quote", "extended-quote", "aside"):
        return f"<blockquote><p>{_children(node, lost)}</p></blockquote>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" or node.get("tag") == "ol" else "ul"
        return f"<{tag}>{_children(node, lost)}</{tag}>"
    if kind == "listitem":
        return f"<li>{_children(node, lost)}</li>"
    return card_html(kind, node, lost)
