"""Our own export (`transfer.exporting`, schema version 1) → records: the round trip.

Keys are the exported slugs: importing the same export twice updates, never duplicates.
Authors keep their roles; posts their status and dates (created and updated included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from blog.models import Post
from transfer.exporting import EXPORTED_SEO_FIELDS, FORMAT, SCHEMA_VERSION
from transfer.records import AuthorRecord, CommentRecord, PostRecord, Record, Skip, TermRecord
from transfer.sources import NotAnExport


class BroadsheetReader:
    source = "broadsheet"

    def __init__(self, stream: BinaryIO) -> None:
        self.document = json.load(stream)
        if not isinstance(self.document, dict) or self.document.get("format") != FORMAT:
            raise NotAnExport(f'not a Broadsheet export: no "format": "{FORMAT}"')
        if self.document.get("version") != SCHEMA_VERSION:
            raise ValueError(
                f"export schema version {self.document.get('version')!r}; "
                f"this site reads version {SCHEMA_VERSION}"
            )
        self.total = len(self.document.get("posts", []))

    def __iter__(self) -> Iterator[Record]:
        doc = self.document
        for a in doc.get("authors", []):
            yield AuthorRecord(
                key=a["username"],
                username=a["username"],
                email=a.get("email", ""),
                display_name=a.get("display_name", ""),
                first_name=a.get("first_name", ""),
                last_name=a.get("last_name", ""),
                bio=a.get("bio", ""),
                roles=list(a.get("roles", [])),
            )
        for c in doc.get("categories", []):
            yield TermRecord("category", c["slug"], c["name"], c["slug"], c.get("description", ""))
        for t in doc.get("tags", []):
            yield TermRecord("tag", t["slug"], t["name"], t["slug"])
        for p in doc.get("posts", []):
            try:
                yield PostRecord(
                    key=p["slug"],
                    slug=p["slug"],
                    title=p["title"],
                    body=p["body"],
                    excerpt=p.get("excerpt", ""),
                    author_key=p["author"],
                    # Version 1 files before co-authors have `author` alone.
                    coauthor_keys=list(p.get("authors", [p["author"]]))[1:],
                    category_key=p.get("category") or "",
                    tag_keys=list(p.get("tags", [])),
                    status=p["status"],
                    published_at=_date(p.get("published_at")),
                    expires_at=_date(p.get("expires_at")),
                    created_at=_date(p.get("created_at")),
                    updated_at=_date(p.get("updated_at")),
                    seo={name: p[name] for name in EXPORTED_SEO_FIELDS if p.get(name)},
                    # Exports from before pages have no `kind`: every row was a post.
                    kind=Post.Kind.PAGE if p.get("kind") == "page" else Post.Kind.POST,
                    # Exports from before members have no `audience`: everyone's.
                    audience=_audience(p.get("audience")),
                )
            except (KeyError, TypeError, ValueError) as error:
                yield Skip("invalid item", f"post {p.get('slug', '?')!r}: {error!r}")
                continue
            # Exports from before comments have none.
            for c in p.get("comments", []):
                try:
                    yield CommentRecord(
                        key=c["key"],
                        post_key=p["slug"],
                        parent_key=c.get("parent") or "",
                        author_name=c.get("author_name", ""),
                        author_email=c.get("author_email", ""),
                        body=c["body"],
                        body_format="markdown",
                        status=c.get("status", "approved"),
                        created_at=_date(c.get("created_at")),
                        edited_at=_date(c.get("edited_at")),
                    )
                except (KeyError, TypeError, ValueError) as error:
                    yield Skip("invalid item", f"comment on {p['slug']!r}: {error!r}")


def _audience(value: str | None) -> str:
    if value in (None, Post.Audience.EVERYONE):
        return Post.Audience.EVERYONE
    if value == Post.Audience.MEMBERS:
        return Post.Audience.MEMBERS
    raise ValueError(f"unknown audience {value!r}")


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
