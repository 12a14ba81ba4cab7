"""Ghost's JSON export (`db[0].data`: posts, tags, users, posts_tags, posts_authors) → records.

Bodies come from each post's `html` field, converted to Markdown. Exports without it
(some Ghost versions leave it out) fall back to the post's Mobiledoc Markdown cards or to
the text of its Lexical tree. Ghost has tags only: the post's first public tag (Ghost's
"primary tag") also becomes its category, the rest stay tags; internal tags (`#name`)
are not imported. `published` → published, `scheduled` → scheduled, `draft` → draft;
pages, and email-only (`sent`) posts, are skipped and counted.

A Ghost export is one JSON document, read whole: its size is the site's text, not its
images, so it is small next to a WordPress archive.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import BinaryIO

from blog.models import Post
from transfer.html import html_to_text
from transfer.records import AuthorRecord, Note, PostRecord, Record, Skip, TermRecord


class GhostReader:
    source = "ghost"

    def __init__(self, stream: BinaryIO) -> None:
        document = json.load(stream)
        try:
            self.data = document["db"][0]["data"]
        except (KeyError, IndexError, TypeError) as error:
            raise ValueError("not a Ghost export: no db[0].data") from error
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
        post_tags = _ordered(data.get("posts_tags", []), "tag_id")
        post_authors = _ordered(data.get("posts_authors", []), "author_id")
        for post in data.get("posts", []):
            yield from self._post(post, tags, post_tags, post_authors)

    def _post(
        self, post: dict, tags: dict, post_tags: dict, post_authors: dict
    ) -> Iterator[Record]:
        key = str(post.get("id") or post.get("uuid") or "")
        label = f"post {key or '?'} ({str(post.get('title', ''))[:60]!r})"
        if post.get("type", "post") != "post" or post.get("page"):
            yield Skip("page")
            return
        status = post.get("status")
        if status not in ("published", "scheduled", "draft"):
            yield Skip(f"status {status or 'missing'}")
            return
        if not key or not str(post.get("title") or "").strip():
            yield Skip("invalid item", f"{label}: no id or no title")
            return
        try:
            published_at = _date(post.get("published_at"))
            created_at = _date(post.get("created_at"))
            updated_at = _date(post.get("updated_at"))
        except (TypeError, ValueError) as error:
            yield Skip("invalid item", f"{label}: {error}")
            return
        tag_ids = [t for t in post_tags.get(key, []) if t in tags]
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
        authors = post_authors.get(key) or [str(post.get("author_id") or "")]
        if len(authors) > 1:
            yield Note("posts with several Ghost authors keep the first (primary) author")
        draft = status == "draft"
        yield PostRecord(
            key=key,
            title=str(post["title"]).strip(),
            slug=post.get("slug") or "",
            body=post["html"] if post.get("html") else _body(post),
            body_format="html" if post.get("html") else "markdown",
            excerpt=html_to_text(post.get("custom_excerpt") or ""),
            author_key=authors[0],
            category_key=category,
            tag_keys=tag_ids,
            status=Post.Status.DRAFT if draft else Post.Status.PUBLISHED,
            published_at=None if draft else published_at,
            created_at=created_at,
            updated_at=updated_at,
        )


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


def _body(post: dict) -> str:
    """Markdown for a post without `html`: its Mobiledoc cards, Lexical text or plain text."""
    if post.get("mobiledoc"):
        return _mobiledoc_markdown(post["mobiledoc"])
    if post.get("lexical"):
        return _lexical_text(post["lexical"])
    return post.get("plaintext") or ""


def _mobiledoc_markdown(raw: str) -> str:
    """The Markdown cards of a Mobiledoc document (Ghost 1 to 4's default editor)."""
    doc = json.loads(raw)
    parts = [p.get("markdown", "") for name, p in doc.get("cards", []) if name == "markdown"]
    return "\n\n".join(parts).strip() + "\n"


def _lexical_text(raw: str) -> str:
    """The paragraphs of a Lexical document as plain Markdown paragraphs (no html field)."""

    def text(node: dict) -> str:
        if node.get("type") in ("text", "extended-text"):
            return node.get("text", "")
        if node.get("type") == "markdown":
            return node.get("markdown", "")
        return "".join(text(child) for child in node.get("children", []))

    root = json.loads(raw).get("root", {})
    return "\n\n".join(t for t in (text(c) for c in root.get("children", [])) if t) + "\n"
