"""WordPress WXR (1.0 to 1.2) → records, streamed: memory stays bounded on a 1 GB export.

Parsed with defusedxml's `iterparse`, which refuses entity declarations (billion laughs),
external entities and any DOCTYPE (a WXR file has none) before anything is read from
them. A file that is not a WordPress export (an archive, JSON, an HTML page, a feed, a
file cut short) raises `NotAnExport` with a one-line reason. Posts are keyed by site and
post id (`example.org#42`): GUIDs repeat across sites and even within one file. Each
`<item>` is turned into records when it ends and is then dropped from the tree.

Mapping (docs/import-export.md has the table): `publish` → published, `future` →
published with its future date (scheduled), `draft` → draft, `pending` → in review when
the blog has that status (else draft, and the summary says so); `private`, `trash`,
`auto-draft` and password-protected posts are skipped and counted, as are attachments,
menus and revisions. Approved comments come in (author name, e-mail for moderation, date,
text, parent one level deep); pingbacks, trackbacks, spam and unapproved ones are
skipped and counted. Nested categories are flattened: a post keeps its deepest
category.

Pages (`post_type=page`) become pages (`pages.Page`, at `/<slug>/`), with the same status
rules. Parent pages are **flattened**: a child page keeps its own slug (`/child/`, not
`/parent/child/`), and its old address `/parent/child/` is among its permalinks, so
`--keep-permalinks` redirects it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET

from blog.models import Post
from transfer.html import html_to_text, untitled_title
from transfer.records import (
    AuthorRecord,
    CommentRecord,
    Note,
    PostRecord,
    Record,
    Skip,
    TermRecord,
)

from . import NotAnExport, aware, review_status

_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content:",
    "http://purl.org/dc/elements/1.1/": "dc:",
    "http://wellformedweb.org/CommentAPI/": "wfw:",
}
_NO_DATE = "0000-00-00 00:00:00"


# The first bytes of files people pick by mistake: refused by name, not as "bad XML".
_NOT_XML = {
    b"PK\x03\x04": "a ZIP archive (unzip it and give the .xml inside)",
    b"\x1f\x8b": "a gzip file (gunzip it first)",
    b"{": "a JSON file (a Ghost export? use import_ghost)",
    b"[": "a JSON file",
}


# Yoast SEO's postmeta keys → our fields (blog.seo); the canonical URL and noindex are
# read in `WordPressReader._yoast`. Its social image (`_yoast_wpseo_opengraph-image`) is a
# URL on the old site: pictures are not fetched, as covers are not.
YOAST_FIELDS = {
    "_yoast_wpseo_title": "meta_title",
    "_yoast_wpseo_metadesc": "meta_description",
    "_yoast_wpseo_opengraph-title": "social_title",
    "_yoast_wpseo_opengraph-description": "social_description",
}
YOAST_SEPARATOR = "-"  # Yoast's default %%sep%%: the site's own choice is not in the export
_YOAST_VARIABLE = re.compile(r"%%([a-z0-9_]+)%%", re.IGNORECASE)


def yoast_text(template: str, known: dict[str, str]) -> str | None:
    """A Yoast title or description with its %%variables%% replaced from `known`
    (`%%title%%`, `%%sitename%%`, `%%sep%%`, `%%excerpt%%`…), spaces tidied; None when
    one is left that we cannot fill (`%%category%%`, `%%cf_custom%%`): better the fallback
    than a title that shows "%%primary_category%%" to readers."""
    unknown = False

    def replace(match: re.Match) -> str:
        nonlocal unknown
        value = known.get(match.group(1).lower())
        if value is None:
            unknown = True
            return ""
        return value

    text = _YOAST_VARIABLE.sub(replace, template)
    if unknown or "%%" in text:
        return None
    text = " ".join(text.split())
    # An empty %%page%% or excerpt leaves a separator hanging at either end, or doubled.
    separator = re.escape(YOAST_SEPARATOR)
    text = re.sub(rf"(?: {separator})+ ", f" {YOAST_SEPARATOR} ", f" {text} ")
    return re.sub(rf"^ {separator} | {separator} $", " ", text).strip()


def _name(tag: str) -> str:
    """`{http://wordpress.org/export/1.2/}post_id` → `wp:post_id`, whatever the version
    and whether the scheme is http (wordpress.org) or https (WordPress.com)."""
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    if uri.startswith(("http://wordpress.org/export/", "https://wordpress.org/export/")):
        return ("excerpt:" if uri.rstrip("/").endswith("excerpt") else "wp:") + local
    return _NAMESPACES.get(uri.replace("https://", "http://", 1), "") + local


def _top_level(comment_id: str, parents: dict[str, str]) -> str:
    """The top-level ancestor of `comment_id` among the item's comments (itself if none)."""
    seen = {comment_id}
    while (parent := parents.get(comment_id, "")) not in ("", "0") and parent in parents:
        if parent in seen:
            break  # a cycle in a damaged file: stop where it closes
        seen.add(parent)
        comment_id = parent
    return comment_id


def _site_key(url: str) -> str:
    """`https://Example.org/blog/` → `example.org/blog`: the site, whatever the scheme."""
    parts = urlsplit(url.strip())
    return (parts.netloc.lower() + parts.path.rstrip("/")) or url.strip()


def _base_path(url: str) -> str:
    """`https://example.org/blog` → `/blog/`: where the site's addresses start (`/` at the
    root). WordPress writes its home as `wp:base_blog_url` (and the channel's link);
    `wp:base_site_url` is the same but on a multisite, where it is the network's."""
    path = unquote(urlsplit(url.strip()).path).strip("/")
    return f"/{path}/" if path else "/"


_PLAIN = re.compile(r"(p|page_id)=[0-9]+")  # a plain permalink's query: `?p=ID`, `?page_id=ID`


class WordPressReader:
    """`for record in WordPressReader(fh, time_zone="UTC")`: records in file order."""

    source = "wordpress"

    def __init__(self, stream: BinaryIO, *, time_zone: str = "UTC") -> None:
        self.stream = stream
        self.time_zone = time_zone
        self.category_parent: dict[str, str] = {}
        self.category_name: dict[str, str] = {}
        self.seen_terms: set[tuple[str, str]] = set()
        self.review = review_status()
        self.site = ""  # `wp:base_site_url` (else the channel's link): namespaces post ids
        self.home = ""  # `wp:base_blog_url` (else the channel's link): where permalinks start
        self.wxr = False  # a `wp:` field seen: the file is a WordPress export
        self.channel: dict[str, str] = {}  # the blog's title and description
        self._refuse_if_not_xml()

    def _refuse_if_not_xml(self) -> None:
        if not self.stream.seekable():
            return
        head = self.stream.read(64)
        self.stream.seek(0)
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        for magic, what in _NOT_XML.items():
            if start.startswith(magic):
                raise NotAnExport(f"not a WordPress export: the file is {what}")
        if not start:
            raise NotAnExport("not a WordPress export: the file is empty")
        if start.lower().startswith((b"<!doctype html", b"<html")):
            raise NotAnExport(
                "not a WordPress export: the file is an HTML page "
                "(a login or error page saved instead of the export?)"
            )

    def __iter__(self) -> Iterator[Record]:
        self.started = False
        try:
            yield from self._read()
        except ParseError as error:
            if not self.started:
                raise NotAnExport(f"not a WordPress export: not XML ({error})") from error
            raise NotAnExport(
                f"the export is damaged or cut short (an interrupted download?): {error}"
            ) from error
        if not self.wxr:
            raise NotAnExport(
                "not a WordPress export: no WordPress (wp:) fields; "
                "is it an RSS feed rather than Tools → Export?"
            )

    def _read(self) -> Iterator[Record]:
        depth = 0
        channel = None
        # forbid_dtd: any DOCTYPE is refused (WordPress writes none), so one naming an
        # external DTD is too; defusedxml's defaults only refuse entity declarations.
        parsed = SafeET.iterparse(self.stream, events=("start", "end"), forbid_dtd=True)
        for event, element in parsed:
            if event == "start":
                depth += 1
                self.started = True
                if depth == 1 and element.tag != "rss":
                    raise NotAnExport(
                        "not a WordPress export: the document is "
                        f"<{_name(element.tag)}>, a WXR file is <rss> with a <channel>"
                    )
                if depth == 2:
                    channel = element
                continue
            depth -= 1
            if depth != 2 or channel is None:
                continue  # inside an item: handled when the item ends
            yield from self._top_level(element)
            channel.remove(element)  # bounded memory: nothing read is kept

    def _top_level(self, element) -> Iterator[Record]:
        name = _name(element.tag)
        fields = {_name(child.tag): (child.text or "") for child in element}
        if name.startswith("wp:") or any(f.startswith("wp:") for f in fields):
            self.wxr = True
        if name == "wp:base_site_url" or (name == "link" and not self.site):
            self.site = _site_key(element.text or "")
        if name == "wp:base_blog_url" or (name == "link" and not self.home):
            self.home = _base_path(element.text or "")
        if name in ("title", "description") and name not in self.channel:
            self.channel[name] = " ".join((element.text or "").split())  # for Yoast's %%sitename%%
        if name == "item" and not self.wxr:
            # An RSS feed, or an export whose namespace we do not know: importing it
            # would only fill the summary with "invalid item" lines. Refused whole.
            raise NotAnExport(
                "not a WordPress export: its items have no WordPress (wp:) fields; "
                "is it an RSS feed rather than Tools → Export?"
            )
        if name == "wp:wxr_version" and (element.text or "").strip() not in ("1.0", "1.1", "1.2"):
            yield Note(f"WXR version {element.text!r} is newer than 1.2: read as 1.2")
        elif name == "wp:author":
            login = fields.get("wp:author_login", "").strip()
            yield AuthorRecord(
                key=login,
                username=login,
                email=fields.get("wp:author_email", ""),
                display_name=fields.get("wp:author_display_name", ""),
                first_name=fields.get("wp:author_first_name", ""),
                last_name=fields.get("wp:author_last_name", ""),
            )
        elif name == "wp:category":
            slug = fields.get("wp:category_nicename", "")
            self.category_parent[slug] = fields.get("wp:category_parent", "")
            self.category_name[slug] = fields.get("wp:cat_name", "") or unquote(slug)
            self.seen_terms.add(("category", slug))
            yield TermRecord(
                kind="category",
                key=slug,
                name=self.category_name[slug],
                slug=slug,
                description=fields.get("wp:category_description", ""),
                path=" > ".join(self._chain(slug)),
            )
        elif name == "wp:tag":
            slug = fields.get("wp:tag_slug", "")
            self.seen_terms.add(("tag", slug))
            yield TermRecord(
                kind="tag",
                key=slug,
                name=fields.get("wp:tag_name", "") or unquote(slug),
                slug=slug,
                description=fields.get("wp:tag_description", ""),
            )
        elif name == "item":
            yield from self._item(element, fields)

    def _item(self, element, fields: dict[str, str]) -> Iterator[Record]:
        """The item's post (or why it is skipped), then its comments."""
        comments = [
            {_name(part.tag): (part.text or "") for part in child}
            for child in element
            if _name(child.tag) == "wp:comment"
        ]
        post_key = None
        for record in self._post_item(element, fields):
            if isinstance(record, PostRecord):
                post_key = record.key
            yield record
        yield from self._comments(comments, post_key)

    def _comments(self, comments: list[dict[str, str]], post_key: str | None) -> Iterator[Record]:
        """Approved comments (`wp:comment_approved` 1, type empty or `comment`) as
        records; pingbacks, trackbacks, editors' notes, other types, spam, unapproved and
        trashed ones skipped and counted. A reply deeper than one
        level answers its top-level ancestor (ours are one level deep); a reply whose
        top-level comment is not imported becomes a top-level comment."""
        if post_key is None:
            for _ in comments:
                yield Skip("comment on an item not imported")
            return
        parents = {
            c.get("wp:comment_id", "").strip(): c.get("wp:comment_parent", "").strip()
            for c in comments
        }
        approved = set()
        for comment in comments:
            kind = comment.get("wp:comment_type", "").strip()
            state = comment.get("wp:comment_approved", "").strip()
            if kind in ("pingback", "trackback"):
                yield Skip("comment: pingback or trackback")
            elif kind == "note":  # WordPress 6.9's notes: editors' remarks on blocks
                yield Skip("comment: editor's note")
            elif kind not in ("", "comment"):  # a plugin's (reviews, webmentions...)
                yield Skip(f"comment: type {kind}")
            elif state != "1":
                reason = {"spam": "spam", "trash": "in the trash"}.get(state, "not approved")
                yield Skip(f"comment: {reason}")
            elif not comment.get("wp:comment_id", "").strip():
                yield Skip("invalid item", f"comment on {post_key}: no wp:comment_id")
            else:
                approved.add(comment["wp:comment_id"].strip())
        for comment in comments:
            comment_id = comment.get("wp:comment_id", "").strip()
            if comment_id not in approved:
                continue
            root = _top_level(comment_id, parents)
            try:
                created_at = self._date(comment, "wp:comment_date")
            except ValueError as error:
                yield Skip("invalid item", f"comment {comment_id} on {post_key}: {error}")
                continue
            yield CommentRecord(
                key=self._comment_key(comment_id),
                post_key=post_key,
                parent_key=self._comment_key(root)
                if root != comment_id and root in approved
                else "",
                author_name=" ".join(comment.get("wp:comment_author", "").split()),
                author_email=comment.get("wp:comment_author_email", "").strip(),
                created_at=created_at,
                body=comment.get("wp:comment_content", ""),
                body_format="wordpress",
            )

    def _comment_key(self, comment_id: str) -> str:
        """`wordpress:<site>#<id>`: comment ids, like post ids, are unique within a site."""
        key = f"wordpress:{self.site}#{comment_id}"
        if len(key) > 100:  # `Comment.source_id`: a very long site path, hashed
            digest = hashlib.sha256(self.site.encode()).hexdigest()[:16]
            key = f"wordpress:{digest}#{comment_id}"
        return key

    def _post_item(self, element, fields: dict[str, str]) -> Iterator[Record]:
        post_type = fields.get("wp:post_type", "post")
        status = fields.get("wp:status", "")
        # Keyed by site and post id: GUIDs repeat (`http://localhost/?p=1` on every fresh
        # install, items copied between sites), post ids are unique within a site.
        post_id = fields.get("wp:post_id", "").strip()
        guid = fields.get("guid", "").strip()
        key = f"{self.site}#{post_id}" if post_id else guid
        label = f"item {fields.get('wp:post_id') or '?'} ({fields.get('title', '')[:60]!r})"
        if post_type not in ("post", "page"):
            yield Skip({"attachment": "attachment"}.get(post_type, "other type"))
            return
        page = post_type == "page"
        if status in ("private", "trash", "auto-draft", "inherit"):
            yield Skip(f"status {status}")
            return
        if fields.get("wp:post_password"):
            yield Skip("password-protected")
            return
        if not key:
            yield Skip("invalid item", f"{label}: no wp:post_id and no guid")
            return
        title, adjustments = fields.get("title", "").strip(), []
        if not title:
            # WordPress allows untitled posts; ours need a title.
            title = untitled_title(fields.get("content:encoded", ""), fields.get("wp:post_date"))
            adjustments.append("untitled: titled from its first words or date")
        try:
            published_at = self._date(fields, "wp:post_date")
            updated_at = self._date(fields, "wp:post_modified")
        except ValueError as error:
            yield Skip("invalid item", f"{label}: {error}")
            return
        post_status = Post.Status.PUBLISHED
        if status in ("draft", "pending"):
            post_status = Post.Status.DRAFT
            if status == "pending" and self.review:
                post_status = self.review
            elif status == "pending":
                yield Note("pending posts imported as drafts: the blog has no review status")
        elif status not in ("publish", "future"):
            yield Skip(f"status {status or 'missing'}")
            return
        categories, tags = [], []
        for child in element if not page else ():  # pages are not filed
            if _name(child.tag) != "category":
                continue
            domain, slug = child.get("domain", ""), child.get("nicename", "")
            kind = {"category": "category", "post_tag": "tag"}.get(domain)
            if not kind or not slug:
                continue
            if (kind, slug) not in self.seen_terms:
                self.seen_terms.add((kind, slug))
                if kind == "category":
                    self.category_name.setdefault(slug, child.text or slug)
                yield TermRecord(kind=kind, key=slug, name=child.text or unquote(slug), slug=slug)
            (categories if kind == "category" else tags).append(slug)
        category = self._leaf(categories)
        if category and self.category_parent.get(category):
            chain = self._chain(category)
            yield Note(
                "nested categories flattened to the leaf: "
                f"{' > '.join(chain)} → {self.category_name.get(category, category)}"
            )
        if len(set(categories)) > 1:
            yield Note("posts in several categories keep one (the deepest): we have one per post")
        draft = post_status == Post.Status.DRAFT or post_status == self.review
        seo = self._yoast(element, title, fields, adjustments)
        if page and fields.get("wp:post_parent", "0").strip() not in ("", "0"):
            yield Note("child pages flattened: each keeps its own slug at the site root")
        yield PostRecord(
            key=key,
            title=title,
            slug=fields.get("wp:post_name", ""),
            body=fields.get("content:encoded", ""),
            body_format="wordpress",
            excerpt=html_to_text(fields.get("excerpt:encoded", "")),
            author_key=fields.get("dc:creator", "").strip(),
            category_key=category,
            tag_keys=tags,
            status=post_status,
            published_at=None if draft else published_at,
            created_at=published_at,
            updated_at=updated_at or published_at,
            permalinks=self._permalinks(fields, published_at, dated=not page),
            adjustments=adjustments,
            legacy_key=guid or post_id,
            seo=seo,
            kind=Post.Kind.PAGE if page else Post.Kind.POST,
        )

    def _yoast(
        self, element, title: str, fields: dict[str, str], adjustments: list[str]
    ) -> dict[str, str | bool]:
        """Yoast SEO's postmeta → the post's SEO fields (blog.seo), its %%variables%%
        replaced; a field that still holds one is dropped and counted (see `yoast_text`)."""
        meta = {}
        for child in element:
            if _name(child.tag) == "wp:postmeta":
                entry = {_name(part.tag): (part.text or "") for part in child}
                meta[entry.get("wp:meta_key", "")] = entry.get("wp:meta_value", "")
        seo: dict[str, str | bool] = {}
        if meta.get("_yoast_wpseo_meta-robots-noindex", "").strip() == "1":
            seo["noindex"] = True
        if canonical := meta.get("_yoast_wpseo_canonical", "").strip():
            seo["canonical_url"] = canonical
        excerpt = html_to_text(fields.get("excerpt:encoded", ""))
        known = {
            "title": title,
            "sitename": self.channel.get("title", ""),
            "sitedesc": self.channel.get("description", ""),
            "sep": YOAST_SEPARATOR,
            "excerpt": excerpt or html_to_text(fields.get("content:encoded", ""))[:155],
            "excerpt_only": excerpt,
            "page": "",  # "Page 2 of 3" on a paged archive: a post is one page
        }
        for key, name in YOAST_FIELDS.items():
            text = yoast_text(meta.get(key, ""), known)
            if text is None:
                adjustments.append(
                    f"Yoast {name.replace('_', ' ')} with unknown variables: dropped"
                )
            elif text:
                seo[name] = text
        return seo

    def _date(self, fields: dict[str, str], name: str) -> datetime | None:
        """`wp:post_date_gmt` in UTC; else the local `wp:post_date` in the site's zone."""
        gmt = fields.get(f"{name}_gmt", "").strip()
        if gmt and gmt != _NO_DATE:
            return datetime.fromisoformat(gmt).replace(tzinfo=UTC)
        local = fields.get(name, "").strip()
        if local and local != _NO_DATE:
            return aware(datetime.fromisoformat(local), self.time_zone).astimezone(UTC)
        return None

    def _leaf(self, categories: list[str]) -> str:
        parents = {self.category_parent.get(c) for c in categories}
        leaves = [c for c in categories if c not in parents]
        return (leaves or categories or [""])[0]

    def _chain(self, slug: str) -> list[str]:
        chain, seen = [], set()
        while slug and slug not in seen:
            seen.add(slug)
            chain.append(self.category_name.get(slug, slug))
            slug = self.category_parent.get(slug, "")
        return list(reversed(chain))

    def _permalinks(
        self, fields: dict[str, str], published_at: datetime | None, *, dated: bool = True
    ) -> list[str]:
        """Old paths, under the site's base path (`/blog/` for a site in /blog, else `/`):
        the item's link, `?p=ID` (`?page_id=ID` for a page), and `YYYY/MM/DD/slug/` (local
        date; not for pages, which have no dated address).

        A plain permalink (`/blog/?p=ID`) is kept with its query: its path alone is the old
        front page, shared by every post, as is any link's path with a query."""
        base = self.home or "/"
        paths = []
        link = urlsplit(fields.get("link", ""))
        path = unquote(link.path)
        if not link.query:
            if path and path.rstrip("/") != base.rstrip("/"):
                paths.append(path)
        elif path.rstrip("/") == base.rstrip("/") and _PLAIN.fullmatch(link.query):
            paths.append(f"{base}?{link.query}")
        if fields.get("wp:post_id", "").isdigit():
            paths.append(f"{base}?{'p' if dated else 'page_id'}={fields['wp:post_id']}")
        local = fields.get("wp:post_date", "")
        slug = unquote(fields.get("wp:post_name", ""))
        if dated and slug and local and local != _NO_DATE:
            paths.append(f"{base}{local[:4]}/{local[5:7]}/{local[8:10]}/{slug}/")
        return [p if p.endswith("/") or "?" in p else p + "/" for p in dict.fromkeys(paths)]
