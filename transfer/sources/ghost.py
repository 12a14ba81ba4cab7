"""Ghost's JSON export (`db[0].data`: posts, tags, users, posts_tags, posts_authors,
posts_meta) → records.

Bodies come from each post's `html` field, converted to Markdown. Exports without it
(some Ghost versions leave it out) have the post's Lexical or Mobiledoc document rendered
here (`transfer.sources.koenig`), else its `plaintext`. Ghost has tags only: the post's
first public tag (Ghost's "primary tag") also becomes its category, the rest stay tags;
internal tags (`#name`) are not imported. `published` → published, `scheduled` →
scheduled, `draft` → draft; email-only (`sent`) posts are skipped and counted. Pages
(`"type": "page"` in Ghost 4+, `"page": 1` in Ghost 2 and 3) become pages (`pages.Page`,
at `/<slug>/` as on Ghost), without tags or a category.
A post for members (`visibility: members`) is imported members-only (`Post.audience`);
one for paying members or tiers (`paid`, `tiers`) too, counted: there are no paid tiers
here, so every member reads it. Files without the `db` wrapper are read too. Comments
come in when the file has Ghost's `comments` table, which only a full backup export
carries (`_comments`).

A Ghost export is one JSON document, read whole: its size is the site's text, not its
images, so it is small next to a WordPress archive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape
from typing import BinaryIO

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

from . import NotAnExport
from .koenig import lexical_html, mobiledoc_html


class GhostReader:
    source = "ghost"

    def __init__(self, stream: BinaryIO) -> None:
        try:
            document = json.load(stream)
        except UnicodeDecodeError as error:
            raise NotAnExport("not a Ghost export: the file is not JSON text") from error
        except json.JSONDecodeError as error:
            raise NotAnExport(f"not a Ghost export: not JSON ({error})") from error
        self.data = _data(document)
        self.total = len(self.data.get("posts", []))
        self.categories: set[str] = set()  # primary tags already sent as categories

    def __iter__(self) -> Iterator[Record]:
        data = self.data
        for user in data.get("users", []):
            yield AuthorRecord(
                key=str(user["id"]),
                username=user.get("slug") or str(user["id"]),
                email=user.get("email") or "",
                display_name=user.get("name") or "",
                bio=user.get("bio") or "",
            )
        tags = {}
        for tag in data.get("tags", []):
            if tag.get("visibility") == "internal" or str(tag.get("name", "")).startswith("#"):
                continue
            tags[str(tag["id"])] = tag
            yield TermRecord(
                kind="tag",
                key=str(tag["id"]),
                name=tag.get("name") or tag.get("slug") or "",
                slug=tag.get("slug") or "",
                description=tag.get("description") or "",
            )
        self.meta = {str(row.get("post_id")): row for row in data.get("posts_meta", []) or []}
        post_tags = _ordered(data.get("posts_tags", []), "tag_id")
        post_authors = _ordered(data.get("posts_authors", []), "author_id")
        imported = set()
        for post in data.get("posts", []):
            for record in self._post(post, tags, post_tags, post_authors):
                if isinstance(record, PostRecord):
                    imported.add(record.key)
                yield record
        yield from _comments(data, imported)

    def _post(
        self, post: dict, tags: dict, post_tags: dict, post_authors: dict
    ) -> Iterator[Record]:
        key = str(post.get("id") or post.get("uuid") or "")
        label = f"post {key or '?'} ({str(post.get('title', ''))[:60]!r})"
        page = post.get("type") == "page" or bool(post.get("page"))
        if post.get("type", "post") not in ("post", "page"):
            yield Skip("other type")
            return
        status = post.get("status")
        if status not in ("published", "scheduled", "draft"):
            yield Skip(f"status {status or 'missing'}")
            return
        if not key:
            yield Skip("invalid item", f"{label}: no id")
            return
        title, adjustments = str(post.get("title") or "").strip(), []
        if not title:
            title = untitled_title(post.get("html") or post.get("plaintext") or "")
            adjustments.append("untitled: titled from its first words or date")
        visibility = str(post.get("visibility") or "public")
        draft = status == "draft"
        audience = Post.Audience.EVERYONE if visibility == "public" else Post.Audience.MEMBERS
        if visibility not in ("public", "members"):
            # Paid and tier posts: no paid tiers here, so for every member. Counted.
            adjustments.append(f"visibility {visibility}: imported for all members")
        try:
            published_at = _date(post.get("published_at"))
            created_at = _date(post.get("created_at"))
            updated_at = _date(post.get("updated_at"))
        except (TypeError, ValueError) as error:
            yield Skip("invalid item", f"{label}: {error}")
            return
        tag_ids = [] if page else [t for t in post_tags.get(key, []) if t in tags]
        category = tag_ids[0] if tag_ids else ""
        if category and category not in self.categories:
            self.categories.add(category)
            tag = tags[category]
            yield TermRecord(
                kind="category",
                key=category,
                name=tag.get("name") or tag.get("slug") or "",
                slug=tag.get("slug") or "",
                description=tag.get("description") or "",
            )
        # Every author, in Ghost's `sort_order`: the first is the primary (our lead).
        authors = post_authors.get(key) or [str(post.get("author_id") or "")]
        seo, images = _seo(self.meta.get(key) or post)
        if images:
            yield Note(
                "social images (og_image, twitter_image) not imported: pictures are not fetched"
            )
        lost: list[str] = []
        body, body_format = _body(post, lost)
        adjustments += [f"lost in conversion: {what}" for what in dict.fromkeys(lost)]
        yield PostRecord(
            key=key,
            title=title,
            slug=post.get("slug") or "",
            body=body,
            body_format=body_format,
            excerpt=html_to_text(post.get("custom_excerpt") or ""),
            author_key=authors[0],
            coauthor_keys=[author for author in authors[1:] if author],
            category_key=category,
            tag_keys=tag_ids,
            status=Post.Status.DRAFT if draft else Post.Status.PUBLISHED,
            published_at=None if draft else published_at,
            created_at=created_at,
            updated_at=updated_at,
            adjustments=adjustments,
            permalinks=[f"/{post['slug']}/"] if post.get("slug") else [],
            seo=seo,
            kind=Post.Kind.PAGE if page else Post.Kind.POST,
            audience=audience,
        )


# Ghost's SEO columns → ours (blog.seo), in order of preference: Ghost 4+ keeps them in
# `posts_meta` (one row per post), Ghost 1 to 3 on the post row itself. Ghost's Facebook card
# wins over its X (Twitter) card, which has no field of its own here.
GHOST_SEO = {
    "meta_title": ("meta_title",),
    "meta_description": ("meta_description",),
    "canonical_url": ("canonical_url",),
    "social_title": ("og_title", "twitter_title"),
    "social_description": ("og_description", "twitter_description"),
}


def _seo(row: dict) -> tuple[dict[str, str | bool], bool]:
    """The post's SEO fields from its `posts_meta` row (or the post row), and whether it
    had a social image (a URL: not imported)."""
    seo: dict[str, str | bool] = {}
    for name, columns in GHOST_SEO.items():
        for column in columns:
            if value := str(row.get(column) or "").strip():
                seo[name] = value
                break
    return seo, bool(row.get("og_image") or row.get("twitter_image"))


def _data(document) -> dict:
    """The tables: `db[0].data` (Ghost's own export), or `data` / the document itself
    (exports written by migration tools and Ghost's importer fixtures, without `db`)."""
    if isinstance(document, dict) and isinstance(document.get("db"), list) and document["db"]:
        document = document["db"][0]
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]
    if not isinstance(document, dict) or not isinstance(document.get("posts"), list):
        raise NotAnExport("not a Ghost export: no posts table (db[0].data.posts)")
    return document


def _ordered(rows: list[dict], field: str) -> dict[str, list[str]]:
    by_post: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        by_post[str(row["post_id"])].append((row.get("sort_order") or 0, str(row[field])))
    return {post: [v for _, v in sorted(values)] for post, values in by_post.items()}


def _date(value) -> datetime | None:
    """Ghost writes ISO 8601 in UTC (`2024-05-01T10:00:00.000Z`) or epoch milliseconds."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"date without a time zone: {value!r}")
    return parsed


GHOST_URL = "__GHOST_URL__"


def _body(post: dict, lost: list[str]) -> tuple[str, str]:
    """(body, format): Ghost's rendered `html` when the export has it, else the
    Lexical or Mobiledoc document rendered to HTML here, else the `plaintext`."""
    if post.get("html"):
        # Ghost 4+ writes its own address as `__GHOST_URL__`: links to the old site's
        # pages become paths here, which `--keep-permalinks` sends on to the new posts.
        return post["html"].replace(GHOST_URL, ""), "html"
    for field, render in (("lexical", lexical_html), ("mobiledoc", mobiledoc_html)):
        if post.get(field):
            try:
                rendered = render(post[field], lost).replace(GHOST_URL, "")
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
                continue  # a damaged document: try the next source of the text
            if rendered.strip():
                return rendered, "html"
    text = post.get("plaintext") or ""
    return "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n") if p.strip()), "html"


def _comments(data: dict, imported: set[str]) -> Iterator[Record]:
    """Members' comments, when the file has them: Ghost's default export leaves the
    `comments` table out (it is one of its "backup tables", in a full database export
    only), so most files have none. Published comments come in with the member's name
    and e-mail (`members`, kept for moderation); hidden and deleted ones are skipped and
    counted. Ghost's replies are one level deep already (`parent_id`)."""
    members = {str(row.get("id")): row for row in data.get("members", []) or []}
    for comment in data.get("comments", []) or []:
        comment_id, post_key = str(comment.get("id") or ""), str(comment.get("post_id") or "")
        status = comment.get("status")
        if post_key not in imported:
            yield Skip("comment on an item not imported")
        elif status != "published":
            yield Skip(f"comment: {status or 'no status'}")
        elif not comment_id:
            yield Skip("invalid item", f"comment on {post_key}: no id")
        else:
            member = members.get(str(comment.get("member_id") or "")) or {}
            try:
                created_at = _date(comment.get("created_at"))
                edited_at = _date(comment.get("edited_at"))
            except (TypeError, ValueError) as error:
                yield Skip("invalid item", f"comment {comment_id}: {error}")
                continue
            parent = comment.get("parent_id")
            yield CommentRecord(
                key=f"ghost:{comment_id}",
                post_key=post_key,
                parent_key=f"ghost:{parent}" if parent else "",
                author_name=str(member.get("name") or ""),
                author_email=str(member.get("email") or ""),
                created_at=created_at,
                edited_at=edited_at,
                body=str(comment.get("html") or ""),
                body_format="html",
            )
