"""Our own export (`transfer.exporting`, schema version 1) → records: the round trip.

Keys are the exported slugs: importing the same export twice updates, never duplicates.
Authors keep their roles; posts their status and dates (created and updated included).
Library pictures (`images`) come before the posts that name them: the importer brings
each one's bytes (`transfer.importer`) and points covers, social images and the bodies'
`image:<id>` at the pictures made here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from blog.models import Post
from transfer.exporting import EXPORTED_SEO_FIELDS, FORMAT, SCHEMA_VERSION, image_references
from transfer.records import (
    AuthorRecord,
    CommentRecord,
    ImageRecord,
    PostRecord,
    Record,
    Skip,
    TermRecord,
)
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
        # Exports from before pictures have none (and bodies naming `image:<id>` that
        # no image of the file is: see `_body_images`).
        ids: dict[str, str] = {}  # id on the old site → key
        for i in doc.get("images", []):
            try:
                yield ImageRecord(
                    key=str(i["key"]),
                    file=str(i["file"]),
                    url=str(i.get("url") or ""),
                    alt_text=str(i.get("alt_text") or ""),
                    caption=str(i.get("caption") or ""),
                    credit=str(i.get("credit") or ""),
                    uploaded_by=str(i.get("uploaded_by") or ""),
                    created_at=_date(i.get("created_at")),
                    size=int(i.get("size") or 0),
                )
            except (KeyError, TypeError, ValueError) as error:
                yield Skip("invalid item", f"image {i.get('key', '?')!r}: {error!r}")
                continue
            if i.get("id") is not None:
                ids[str(i["id"])] = str(i["key"])
        for p in doc.get("posts", []):
            # Exports from before pictures name no cover: the post's own stays (and its
            # digest is as before, unless its body shows a library picture).
            pictures = "cover_image" in p or "social_image" in p
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
                    cover_image=str(p.get("cover_image") or "") if pictures else None,
                    social_image=str(p.get("social_image") or "") if pictures else None,
                    body_images=_body_images(p["body"], ids) or ({} if pictures else None),
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


def _body_images(body: str, ids: dict[str, str]) -> dict[str, str]:
    """Each `image:<id>` of `body` → the key of that image in the file ("" when the file
    has none: deleted on the old site, or an export from before pictures)."""
    found = (str(int(m.group(2))) for m in image_references(body))  # `image:02` is 2
    return {number: ids.get(number, "") for number in found}


def _audience(value: str | None) -> str:
    if value in (None, Post.Audience.EVERYONE):
        return Post.Audience.EVERYONE
    if value == Post.Audience.MEMBERS:
        return Post.Audience.MEMBERS
    raise ValueError(f"unknown audience {value!r}")


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
