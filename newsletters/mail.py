"""The newsletter e-mail: rendered once per issue, addressed once per delivery.

    rendered = render_issue(issue)             # Markdown → HTML (inlined CSS) and text, once
    message = rendered.message_for(delivery)   # EmailMultiAlternatives for one member

The sender (`newsletters.sending`) only calls these two; what the e-mail looks like is
this module's alone (docs/members.md, "The e-mail").

**Once per issue** (`render_issue`): the templates `newsletters/email.html` / `.txt` (or
the digest's), the post's sanitised `body_html` made fit for mail clients (`mail_body`:
library images as one rendition of about 1200 px at an absolute URL, no `srcset` or
`<picture>`, which many clients ignore; every link and source absolute; embeds as a link
with their thumbnail), CSS inlined by css-inline (the dark-mode `@media` block stays in
`<style>`), and a plain-text part from the post's Markdown (`markdown_text`).

**Once per member** (`message_for`): only what differs between members — the unsubscribe
link, the "view in browser" link and the address — is put into the rendered text, by
joining pre-split parts: no template, no parsing, a few microseconds for two signatures
and the join (`bench/newsletter_render.py` measures it). Each slot is a random marker
chosen per rendering, so no text in a post can be mistaken for one.
"""

from __future__ import annotations

import html as html_lib
import re
import secrets
import textwrap
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import formataddr
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

from blog.models import Post
from core.origin import absolute_url, site_origin, site_url, with_absolute_urls
from core.sitevalues import SiteValues, site_values
from images.models import Format, Image

from .digest import week_posts
from .models import Delivery, Issue, Newsletter
from .unsubscribe import unsubscribe_token

# The column's width in CSS pixels (600) less its padding: the widest an image is shown.
CONTENT_WIDTH = 552
# A rendition at least this wide is picked for e-mail: sharp on 2x screens at 552 px.
MAIL_IMAGE_WIDTH = 1200
# A digest lists at most this many posts; the rest are a link to the archive.
DIGEST_MAX_POSTS = 50
VIEW_SALT = "newsletters.view"
ACCOUNT_PATH = "/members/account/"  # the members app's account page (issue 31)

_inliner = css_inline.CSSInliner(
    keep_at_rules=True,  # the dark-mode and narrow-screen @media blocks stay in <style>
    load_remote_stylesheets=False,
)

# --- Extension point: apps above newsletters adjust a post body for e-mail ------------
_body_filters: list[Callable[[str], str]] = []


def register_body_filter(body_filter: Callable[[str], str]) -> None:
    """Add `body_filter(body_html) -> body_html`, run on a post's body before it is made
    fit for mail (`embeds` turns a lone URL it fetched into a link with its thumbnail).
    Whatever it returns is still treated like the body: links and images made absolute."""
    if body_filter not in _body_filters:
        _body_filters.append(body_filter)


# --- Tokens of the per-member links -----------------------------------------------------
def view_token(issue_id: int, member_id: int) -> str:
    """The token of `/newsletters/view/<token>/`: this issue, as this member received it.
    No expiry, like the unsubscribe link's: an old e-mail's link keeps working."""
    return signing.Signer(salt=VIEW_SALT).sign_object([issue_id, member_id])


def read_view_token(token: str) -> tuple[int, int]:
    """(issue id, member id) of a token we signed; `signing.BadSignature` otherwise."""
    value = signing.Signer(salt=VIEW_SALT).unsign_object(token)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(type(part) is int for part in value)
    ):
        raise signing.BadSignature("Not a view-in-browser token.")
    return value[0], value[1]


# --- The rendered issue ------------------------------------------------------------------
_SLOTS = ("unsubscribe", "view", "email")


@dataclass(frozen=True)
class RenderedIssue:
    """An issue rendered once: subject, sender and both parts, split at the per-member
    slots (`html_parts` / `text_parts`: text, slot name, text, slot name, …, text)."""

    issue: Issue
    subject: str
    from_email: str
    reply_to: tuple[str, ...]
    html_parts: tuple[str, ...]
    text_parts: tuple[str, ...]
    list_id: str
    message_id_prefix: str  # "<newsletter.<issue>.<stamp>." : the member's id and host follow
    message_id_domain: str
    unsubscribe_url: tuple[str, str]  # the URL around the token: (before, after)
    view_url: tuple[str, str]

    # What `frozen` stores: every field but the issue itself.
    _FROZEN = (
        "subject", "from_email", "reply_to", "html_parts", "text_parts", "list_id",
        "message_id_prefix", "message_id_domain", "unsubscribe_url", "view_url",
    )  # fmt: skip

    def frozen(self) -> dict:
        """The rendering as JSON (`Issue.frozen_mail`): what the issue's first batch
        stores so that every later one sends the same e-mail (`from_frozen`)."""
        return {name: getattr(self, name) for name in self._FROZEN}

    @classmethod
    def from_frozen(cls, issue: Issue, data: dict) -> RenderedIssue:
        """The rendering `frozen` stored, for `issue` (lists back to tuples)."""
        values = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in data.items()
            if name in cls._FROZEN
        }
        return cls(issue=issue, **values)

    def links_for(self, member_id: int) -> tuple[str, str]:
        """(unsubscribe URL, view-in-browser URL) of one member."""
        before, after = self.unsubscribe_url
        unsubscribe = f"{before}{unsubscribe_token(member_id, self.issue.newsletter_id)}{after}"
        before, after = self.view_url
        view = f"{before}{view_token(self.issue.pk, member_id)}{after}"
        return unsubscribe, view

    def html_for(self, member_id: int, email: str) -> str:
        """The HTML part as `member_id` at `email` receives it."""
        unsubscribe, view = self.links_for(member_id)
        return _fill(
            self.html_parts,
            {"unsubscribe": unsubscribe, "view": view, "email": html_lib.escape(email)},
        )

    def message_for(self, delivery: Delivery) -> EmailMultiAlternatives:
        """The e-mail of one delivery: the rendered parts with this member's links, and
        the list headers (RFC 2369, 2919, 8058)."""
        member_id = delivery.member_id
        if member_id is None:
            raise ValueError("A delivery whose member was deleted is never sent.")
        unsubscribe, view = self.links_for(member_id)
        values = {"unsubscribe": unsubscribe, "view": view}
        html = _fill(self.html_parts, {**values, "email": html_lib.escape(delivery.email)})
        text = _fill(self.text_parts, {**values, "email": delivery.email})
        message_id = f"{self.message_id_prefix}{member_id}@{self.message_id_domain}>"
        return self._message(delivery.email, unsubscribe, message_id, text, html)

    def _message(
        self,
        email: str,
        unsubscribe: str,
        message_id: str,
        text: str,
        html: str,
        **headers,
    ) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            from_email=self.from_email,
            to=[email],
            reply_to=list(self.reply_to),
            headers={
                # RFC 8058: one HTTPS URI, and the POST body that unsubscribes at once.
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "List-Id": self.list_id,
                # The same for every attempt of this delivery: a retry after a timeout
                # that did reach the server is recognisably the same message.
                "Message-ID": message_id,
                # No out-of-office replies to a newsletter (Exchange, Outlook).
                "X-Auto-Response-Suppress": "OOF, AutoReply",
                **headers,
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def _fill(parts: tuple[str, ...], values: dict[str, str]) -> str:
    return "".join(values[part] if index % 2 else part for index, part in enumerate(parts))


def _split(rendered: str, marker: str) -> tuple[str, ...]:
    parts = re.split(f"{marker}({'|'.join(_SLOTS)})", rendered)
    return tuple(parts)


def _token_around(route: str, args: Iterable) -> tuple[str, str]:
    """The absolute URL of `route` split where its token goes (reversed once per issue)."""
    placeholder = "TOKEN0PLACEHOLDER"
    url = site_url(reverse(route, args=[*args, placeholder]))
    before, after = url.split(placeholder)
    return before, after


# --- Rendering ------------------------------------------------------------------------------
def render_issue(issue: Issue, *, in_browser: bool = False) -> RenderedIssue:
    """Render `issue` once: a post's issue, or a weekly digest's (`issue.week`).

    `in_browser`: for the "view in browser" page — no link to itself, no inlining, the
    page marked noindex.
    """
    newsletter = issue.newsletter
    site = site_values()
    zone = zoneinfo.ZoneInfo(site.time_zone)
    marker = f"bsx{secrets.token_hex(8)}x"
    slots = {name: f"{marker}{name}" for name in _SLOTS}
    context = {
        "site": site,
        "newsletter": newsletter,
        "slots": slots,
        "in_browser": in_browser,
        "home_url": site_url("/"),
        "account_url": site_url(ACCOUNT_PATH),
        "logo": _logo(site),
    }
    if issue.post_id is not None:
        post = _post_of(issue)
        subject = issue.subject or post.title
        context.update(_post_context(post, zone))
        template = "newsletters/email"
    else:
        subject = digest_subject(site, issue.week)
        context.update(_digest_context(issue.week, zone))
        template = "newsletters/digest"
    context["subject"] = subject
    html = render_to_string(f"{template}.html", context)
    if not in_browser:
        html = short_lines(_inliner.inline(html))
    text = render_to_string(f"{template}.txt", context)
    host = urlsplit(site_origin()).hostname or "localhost"
    stamp = int(issue.created_at.timestamp()) if issue.created_at else 0
    return RenderedIssue(
        issue=issue,
        subject=subject,
        from_email=_sender(newsletter, site),
        reply_to=(newsletter.reply_to,) if newsletter.reply_to else (),
        html_parts=_split(html, marker),
        text_parts=_split(text, marker),
        list_id=_list_id(newsletter, host),
        message_id_prefix=f"<newsletter.{issue.pk}.{stamp}.",
        message_id_domain=host,
        unsubscribe_url=_token_around("newsletters:unsubscribe", ()),
        view_url=_token_around("newsletters:view", ()),
    )


# Mail lines may be 998 characters at most (RFC 5322): a part with a longer one is sent
# quoted-printable, re-encoded for every member. Paragraphs are cut well before that.
LINE_LIMIT = 900
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)


def short_lines(html: str) -> str:
    """`html` with every line of more than `LINE_LIMIT` characters cut at a space
    between words (outside tags and `<pre>`): the same page, as white space collapses.
    So the HTML part can go as 8bit text rather than quoted-printable (smaller, and
    cheaper to encode for each member). A line with no such space is left as it is."""
    if all(len(line) <= LINE_LIMIT for line in html.split("\n")):
        return html
    pieces = _PRE.split(html)
    for index in range(0, len(pieces), 2):  # the pieces outside <pre>
        pieces[index] = "\n".join(_cut(line) for line in pieces[index].split("\n"))
    return "".join(pieces)


def _cut(line: str) -> str:
    out = []
    while len(line) > LINE_LIMIT:
        at = line.rfind(" ", 0, LINE_LIMIT)
        while at > 0 and line.rfind("<", 0, at) > line.rfind(">", 0, at):  # inside a tag
            at = line.rfind(" ", 0, line.rfind("<", 0, at))
        if at <= 0:
            break
        out.append(line[:at])
        line = line[at + 1 :]
    out.append(line)
    return "\n".join(out)


def digest_subject(site: SiteValues, week) -> str:
    """ "<site name>: the week of 3 March 2025"."""
    return f"{site.name}: the week of {format_date(week, 'j F Y')}"


def _sender(newsletter: Newsletter, site: SiteValues) -> str:
    address = newsletter.sender_email or settings.DEFAULT_FROM_EMAIL
    if not newsletter.sender_email and "<" in address:
        return address  # DEFAULT_FROM_EMAIL has its own name ("Broadsheet <noreply@…>")
    return formataddr((newsletter.sender_name or site.name, address))


def _list_id(newsletter: Newsletter, host: str) -> str:
    """RFC 2919: `"Name" <slug.host>` — how clients group and filter the newsletter."""
    name = re.sub(r'[\\"\r\n]', "", newsletter.name)
    return f'"{name}" <{newsletter.slug}.{host}>'


def _logo(site: SiteValues) -> dict | None:
    if site.logo is None:
        return None
    height = 40
    width = round(site.logo.width * height / site.logo.height) if site.logo.height else height
    return {"url": absolute_url(site.logo.url), "width": width, "height": height}


def _post_of(issue: Issue) -> Post:
    return (
        Post.all_kinds.select_related("author", "category", "cover_image")
        .prefetch_related("cover_image__renditions")
        .get(pk=issue.post_id)
    )


def _post_context(post: Post, zone: zoneinfo.ZoneInfo) -> dict:
    url = site_url(post.get_absolute_url())
    names = [author.public_name for author in post.authors_in_order]
    byline = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    published = timezone.localtime(post.published_at or timezone.now(), zone)
    return {
        "post": post,
        "post_url": url,
        "byline": byline,
        "date": format_date(published, "j F Y"),
        "members_only": post.audience == Post.Audience.MEMBERS,
        "cover": mail_image(post.cover_image),
        "preheader": post.summary,
        "body": mark_safe(mail_body(post.body_html, base=url)),  # noqa: S308 (sanitised on save)
        "body_text": markdown_text(post.body, base=url),
    }


def _digest_context(week, zone: zoneinfo.ZoneInfo) -> dict:
    posts = list(
        week_posts(week)
        .select_related("cover_image")
        .prefetch_related("cover_image__renditions")[: DIGEST_MAX_POSTS + 1]
    )
    more = len(posts) > DIGEST_MAX_POSTS
    entries = [
        {
            "title": post.title,
            "url": site_url(post.get_absolute_url()),
            "date": format_date(timezone.localtime(post.published_at, zone), "j F Y"),
            "summary": post.summary,
            "members_only": post.audience == Post.Audience.MEMBERS,
            "image": mail_image(post.cover_image),
        }
        for post in posts[:DIGEST_MAX_POSTS]
    ]
    week_label = format_date(week, "j F Y")
    return {
        "entries": entries,
        "more_url": site_url(reverse("blog:archive")) if more else "",
        "week_label": week_label,
        "preheader": ", ".join(entry["title"] for entry in entries[:5]),
    }


# --- The body, fit for mail clients -----------------------------------------------------------
_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'\b(src|alt|width|height)="([^"]*)"')


@dataclass(frozen=True)
class MailImage:
    url: str
    width: int
    height: int
    alt: str


def _mail_candidate(image: Image):
    """The JPEG/PNG/GIF file to show: the narrowest at least `MAIL_IMAGE_WIDTH` wide, else
    the widest there is (never AVIF or WebP: Outlook and older clients show neither)."""
    fallback = [c for c in image.fallback if c.mime_type != "image/webp"]
    if image.format in (Format.WEBP, Format.AVIF):
        fallback = [c for c in fallback if c.url != image.url] or fallback
    wide = [c for c in fallback if c.width >= MAIL_IMAGE_WIDTH]
    return min(wide, key=lambda c: c.width) if wide else max(fallback, key=lambda c: c.width)


def mail_image(image: Image | None, alt: str = "") -> MailImage | None:
    """A library image as e-mail shows it: one rendition at an absolute URL, its shown
    size at most the column's width."""
    if image is None:
        return None
    candidate = _mail_candidate(image)
    width, height = _fit(image.width, image.height)
    return MailImage(absolute_url(candidate.url), width, height, alt or image.alt_text)


def _fit(width: int, height: int) -> tuple[int, int]:
    if width <= CONTENT_WIDTH or width <= 0:
        return width, height
    return CONTENT_WIDTH, max(1, round(height * CONTENT_WIDTH / width))


def mail_body(body_html: str, *, base: str) -> str:
    """A post's sanitised `body_html` for mail clients: the registered body filters
    (embeds), library images as one ~1200 px rendition each, every image at most the
    column's width, and every `href` and `src` absolute. Linear in the body; one query
    (plus one for renditions) for all its library images."""
    for body_filter in _body_filters:
        body_html = body_filter(body_html)
    media = default_storage.url("")
    names = set()
    for match in _IMG.finditer(body_html):
        src = html_lib.unescape(dict(_ATTR.findall(match.group())).get("src", ""))
        if src.startswith(media + "images/"):
            names.add(src.removeprefix(media))
    images = {}
    if names:
        images = {
            image.file.name: image
            for image in Image.objects.filter(file__in=names).prefetch_related("renditions")
        }

    def image_tag(match: re.Match) -> str:
        attrs = {key: html_lib.unescape(value) for key, value in _ATTR.findall(match.group())}
        image = images.get(attrs.get("src", "").removeprefix(media))
        if image is not None:
            shown = mail_image(image, attrs.get("alt", ""))
            src, width, height = shown.url, shown.width, shown.height
        else:
            src = absolute_url(attrs.get("src", ""), base)
            width, height = _fit(_int(attrs.get("width")), _int(attrs.get("height")))
        size = f' width="{width}" height="{height}"' if width and height else ""
        return (
            f'<img src="{html_lib.escape(src)}" alt="{html_lib.escape(attrs.get("alt", ""))}"'
            f"{size}>"
        )

    return with_absolute_urls(_IMG.sub(image_tag, body_html), base)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


# --- The plain-text part, from the Markdown -------------------------------------------------------
_markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
_TAG = re.compile(r"<[^>]*>")
WRAP = 76


def markdown_text(source: str, *, base: str) -> str:
    """A post's Markdown as plain text: the Markdown lightly cleaned — emphasis marks
    dropped, links as "text (url)" with absolute URLs, images as "[alt]", headings
    underlined, lists, quotes and tables kept, code indented, prose wrapped at 76 columns.
    Linear (markdown-it), and run once per issue."""
    blocks: list[tuple[str, bool]] = []  # (text, an item of a tight list)
    prefixes: list[str] = []  # "> " for quotes, bullets (then their indent) for lists
    lists: list[list] = []  # [ordered, next number]
    rows: list[list[str]] | None = None  # a table's rows while in one
    heading = 0
    tight = False  # in a paragraph of a tight list: no blank line between items

    def emit(text: str) -> None:
        blocks.append((_prefixed(text, prefixes), tight))
        # A bullet is printed once, on its item's first line; then it is an indent.
        prefixes[:] = [p if p == "> " else " " * len(p) for p in prefixes]

    for token in _markdown.parse(source):
        kind = token.type
        if kind == "paragraph_open":
            tight = token.hidden
        elif kind == "paragraph_close":
            tight = False
        elif kind == "heading_open":
            heading = int(token.tag[1])
        elif kind == "heading_close":
            heading = 0
        elif kind == "blockquote_open":
            prefixes.append("> ")
        elif kind == "blockquote_close":
            prefixes.pop()
        elif kind in ("bullet_list_open", "ordered_list_open"):
            lists.append([kind == "ordered_list_open", int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            ordered, number = lists[-1]
            lists[-1][1] += 1
            prefixes.append(f"{number}. " if ordered else "- ")
        elif kind == "list_item_close":
            prefixes.pop()
        elif kind == "table_open":
            rows = []
        elif kind == "tr_open" and rows is not None:
            rows.append([])
        elif kind == "table_close" and rows is not None:
            emit("\n".join(" | ".join(cells) for cells in rows))
            rows = None
        elif kind == "inline":
            text = _inline_text(token.children or [], base)
            if rows is not None:
                rows[-1].append(text.replace("\n", " "))
            elif heading:
                underline = ("=" if heading == 1 else "-") * min(len(text), WRAP)
                emit(f"{text}\n{underline}" if heading <= 2 else text)
            elif text:
                emit(_wrapped(text, prefixes))
        elif kind in ("fence", "code_block"):
            emit("\n".join("    " + line for line in token.content.rstrip("\n").split("\n")))
        elif kind == "hr":
            emit("* * *")
        elif kind == "html_block":
            text = html_lib.unescape(_TAG.sub("", token.content)).strip()
            if text:
                emit(text)
    out: list[str] = []
    after_tight = False
    for text, in_tight_list in blocks:
        if out:
            out.append("\n" if in_tight_list and after_tight else "\n\n")
        out.append(text)
        after_tight = in_tight_list
    return "".join(out)


def _inline_text(children, base: str) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []  # (href, where its text starts in `out`)
    for child in children:
        kind = child.type
        if kind == "text":
            out.append(child.content)
        elif kind == "code_inline":
            out.append(f"`{child.content}`")
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "image":
            alt = "".join(c.content for c in child.children or []) or child.content
            out.append(f"[{alt or 'image'}]")
        elif kind == "link_open":
            links.append((str(child.attrGet("href") or ""), len(out)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            label = "".join(out[start:])
            url = absolute_url(href, base) if href else ""
            if url and label.strip() not in (href, url, href.removeprefix("mailto:")):
                out.append(f" ({url})")
    return "".join(out).strip()


def _wrapped(text: str, prefixes: list[str]) -> str:
    width = max(20, WRAP - sum(len(p) for p in prefixes))
    return "\n".join(
        textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
        for line in text.split("\n")
    )


def _prefixed(text: str, prefixes: list[str]) -> str:
    """Every line of `text` behind the quotes, bullets and indents around it (a bullet
    only on the first line: the others get its width in spaces)."""
    if not prefixes:
        return text
    first = "".join(prefixes)
    rest = "".join(p if p == "> " else " " * len(p) for p in prefixes)
    lines = text.split("\n")
    return "\n".join((first if n == 0 else rest) + line for n, line in enumerate(lines))
