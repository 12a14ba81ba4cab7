"""What every source is read into: plain records, independent of WordPress, Ghost or us.

A source module (`transfer.sources.*`) turns its file into a stream of these; the
importer (`transfer.importer`) turns the stream into rows. So each format's quirks stay in
its reader and the rules of writing rows stay in one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import astuple, dataclass, field, fields
from datetime import datetime


@dataclass
class AuthorRecord:
    key: str  # the source's login or id
    username: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    bio: str = ""
    roles: list[str] | None = None  # None: the importer's default (Contributor)


@dataclass
class TermRecord:
    kind: str  # "category" or "tag"
    key: str  # the source's slug or id
    name: str
    slug: str = ""
    description: str = ""
    path: str = ""  # "Asia > News" for a nested category: its name when names collide


@dataclass
class PostRecord:
    key: str  # WordPress post ID, Ghost id, our slug
    title: str
    body: str  # in `body_format`; the importer converts it to Markdown (in parallel)
    slug: str = ""
    author_key: str = ""
    # Co-authors after the lead (`author_key`), in byline order (Ghost's `sort_order`).
    coauthor_keys: list[str] = field(default_factory=list)
    category_key: str = ""
    tag_keys: list[str] = field(default_factory=list)
    excerpt: str = ""
    status: str = "draft"  # a blog.Post.Status value
    published_at: datetime | None = None
    expires_at: datetime | None = None  # when it leaves public view (ours only)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    permalinks: list[str] = field(default_factory=list)  # old paths, for --keep-permalinks
    body_format: str = "markdown"  # or "html", or "wordpress" (see transfer.html)
    # What the reader had to change ("members-only: imported as a draft"), counted by
    # reason in the summary's "imported with changes".
    adjustments: list[str] = field(default_factory=list)
    # Search engines and social cards (blog.seo): `meta_title`, `meta_description`,
    # `canonical_url`, `social_title`, `social_description` (text) and `noindex` (bool),
    # only those the source gives; the importer checks them (`transfer.importer`).
    seo: dict[str, str | bool] = field(default_factory=dict)
    # The key an earlier version of the importer used (WordPress: the GUID), so posts it
    # imported are found again rather than copied.
    legacy_key: str = ""
    # "post" or "page" (a `blog.Post.Kind` value): set when the row is created, never
    # changed by a re-import.
    kind: str = "post"
    # Who reads the body: a `blog.Post.Audience` value ("everyone" or "members").
    audience: str = "everyone"
    # Library pictures (our own export: `ImageRecord`s). None: the source names none, and
    # a re-import leaves the post's cover and social image as they are. Else the `key`
    # of its cover and of its social image ("" for none), and which image each
    # `image:<id>` of the body names (id in the source → key). The importer resolves
    # them to this site's images and sets `image_ids` before it compares digests.
    cover_image: str | None = None
    social_image: str | None = None
    body_images: dict[str, str] | None = None
    image_ids: tuple[int | None, ...] = ()  # set by the importer: (cover, social) here

    def digest(self) -> str:
        """Changes whenever anything the source says about the post changes."""
        values = astuple(self)[:_KIND]  # kind, audience and pictures: added below
        if self.kind != "post":
            values += (self.kind,)  # a post's digest as before pages existed: no re-import
        if self.audience != "everyone":
            values += (self.audience,)  # everyone's posts: their digest as before members
        if self.body_images is not None or self.cover_image is not None:
            # Pictures (and where they went here): a picture brought by a later run, or
            # resolved differently, re-imports the post. Sources without: as before.
            values += (self.cover_image, self.social_image, self.body_images, self.image_ids)
        return hashlib.sha256(repr(values).encode()).hexdigest()


@dataclass
class ImageRecord:
    """A picture of the source's image library (our own export), with what the writers
    typed about it. Its bytes are read by the importer: from `file` under the folder
    the site owner names (the old site's media), else downloaded from `url`."""

    key: str  # stable across exports: the stored original's name, made from its hash
    file: str  # the original's name in the old site's storage ("images/3f2a….png")
    url: str = ""  # the original's absolute URL on the old site
    alt_text: str = ""
    caption: str = ""
    credit: str = ""
    uploaded_by: str = ""  # an author's key, or ""
    created_at: datetime | None = None
    size: int = 0  # bytes of the original, when the source says

    def digest(self) -> str:
        """What a re-import compares: the texts (the picture itself is the key's)."""
        texts = (self.alt_text, self.caption, self.credit)
        return hashlib.sha256(repr(texts).encode()).hexdigest()


@dataclass
class CommentRecord:
    """An approved (or, from our own export, pending) comment under a post of the file."""

    key: str  # stored as `Comment.source_id` ("wordpress:example.org#12"): a re-import skips it
    post_key: str  # the `PostRecord.key` of its post
    body: str  # in `body_format`, converted to Markdown as post bodies are
    parent_key: str = ""  # a top-level comment's key: replies are one level deep
    author_name: str = ""
    author_email: str = ""  # for moderation only: never shown
    created_at: datetime | None = None
    edited_at: datetime | None = None
    status: str = "approved"  # a comments.Comment.Status value
    body_format: str = "html"


@dataclass
class Skip:
    """An item not imported, and why (counted by reason in the summary)."""

    reason: str
    detail: str = ""


@dataclass
class Note:
    """Something the reader of the summary should know (a flattened category, say)."""

    text: str


# Where `kind` is among PostRecord's fields: those before it make every post's digest.
_KIND = [f.name for f in fields(PostRecord)].index("kind")

Record = AuthorRecord | TermRecord | ImageRecord | PostRecord | CommentRecord | Skip | Note
