"""Everything out: one versioned JSON document, or one Markdown file per post.

The document's schema is `SCHEMA_VERSION` and is described field by field in
docs/import-export.md; `transfer.sources.broadsheet` reads it back, so that
export → import into an empty site → export gives the same document apart from `id`s
and `exported_at`. Authors carry no credentials (no password hash, token or login time).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import yaml
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from markdown_it import MarkdownIt

from accounts.roles import ROLE_PERMISSIONS
from blog.models import Category, Post, Tag, byline_prefetch
from blog.seo import SEO_FIELDS
from comments.models import Comment
from core.origin import absolute_url
from core.sitevalues import site_values
from images.models import Image

# The social image is a picture: a post names it (as its cover) by its key in `images`.
EXPORTED_SEO_FIELDS = [name for name in SEO_FIELDS if name != "social_image"]
# A library picture in a Markdown body (images/body.py): `![alt](image:42)`, or a
# reference definition `[x]: image:42`. Group 2 is the image's id on this site.
IMAGE_REFERENCE = re.compile(
    r"(\]\(\s*<?|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?)image:(\d{1,18})(?!\w)", re.M
)
# An inline code span (CommonMark: equal backtick runs, within one paragraph).
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.S)
_BLOCKS = MarkdownIt("commonmark")


def image_references(body: str) -> list[re.Match]:
    """`IMAGE_REFERENCE`'s matches in `body` that Markdown renders as pictures: not those
    in a fenced or indented code block or an inline code span, which stay text (a post
    about Broadsheet may show `![alt](image:42)` as an example)."""
    candidates = list(IMAGE_REFERENCE.finditer(body))
    if not candidates:  # most bodies: no parse
        return []
    starts, offset = [], 0
    for line in body.splitlines(keepends=True):
        starts.append(offset)
        offset += len(line)
    starts.append(offset)
    code = [
        (starts[token.map[0]], starts[min(token.map[1], len(starts) - 1)])
        for token in _BLOCKS.parse(body)
        if token.type in ("fence", "code_block") and token.map
    ]
    code += [m.span() for m in _INLINE_CODE.finditer(body)]
    return [
        match
        for match in candidates
        if not any(start <= match.start(2) < end for start, end in code)
    ]


def rewrite_image_references(body: str, replace) -> str:
    """`body` with each of `image_references(body)` replaced by `replace(match)`."""
    parts, end = [], 0
    for match in image_references(body):
        parts += [body[end : match.start()], replace(match)]
        end = match.end()
    return "".join([*parts, body[end:]])


FORMAT = "broadsheet-export"
SCHEMA_VERSION = 1
_CHUNK = 1000


def iso(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with a Z, to the microsecond: what the importer reads back exactly."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def export_document() -> dict[str, Any]:
    """The whole site as one dict (see `write_document` for a file)."""
    header = _header()
    return {**header, "posts": list(_posts(_keys(header)))}


def write_document(stream: TextIO) -> int:
    """Write the export to `stream` a post at a time; returns the number of posts."""
    fields = _header()
    header = json.dumps({**fields, "posts": []}, ensure_ascii=False, indent=1)
    stream.write(header[: header.rindex("[") + 1] + "\n")
    count = 0
    for post in _posts(_keys(fields)):
        stream.write((",\n" if count else "") + json.dumps(post, ensure_ascii=False))
        count += 1
    stream.write("\n]\n}\n")
    return count


def _header() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": SCHEMA_VERSION,
        "exported_at": iso(timezone.now()),
        "site": {"name": site_values().name},
        "authors": list(_authors()),
        "categories": [
            {"name": c.name, "slug": c.slug, "description": c.description}
            for c in Category.objects.order_by("slug")
        ],
        "tags": [{"name": t.name, "slug": t.slug} for t in Tag.objects.order_by("slug")],
        "images": list(_images()),
    }


def image_key(image: Image) -> str:
    """An image's key in the export: its stored original's name without folder or
    extension, made from a hash of the content (`images.services`), so the same picture
    has the same key in every export of this site (an importing site re-encodes each
    picture, as it does an upload: a JPEG's key there can differ)."""
    return image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _images() -> Iterator[dict[str, Any]]:
    """The whole image library, used or not: the alt texts, captions and credits are
    the writers' work as much as the posts are (an image no post shows today is one a
    writer uploaded for later). Oldest first."""
    images = Image.objects.select_related("uploaded_by").order_by("created_at", "pk")
    for image in images.iterator(chunk_size=_CHUNK):
        yield {
            "id": image.pk,  # as `image:<id>` in this site's bodies (ids differ after import)
            "key": image_key(image),
            "file": image.file.name,  # under the site's media folder (MEDIA_ROOT)
            "url": absolute_url(image.url),  # the original, to download
            "format": image.format,
            "width": image.width,
            "height": image.height,
            "size": image.size,
            "alt_text": image.alt_text,
            "caption": image.caption,
            "credit": image.credit,
            "uploaded_by": image.uploaded_by.username if image.uploaded_by else None,
            "created_at": iso(image.created_at),
        }


def _authors() -> Iterator[dict[str, Any]]:
    """Everyone who wrote a post or holds a role; never a password, token or login time."""
    User = get_user_model()
    # Each role as a column of the one query (a prefetch would be a second query).
    roles = sorted(ROLE_PERMISSIONS)
    holds = {
        f"holds_role_{number}": Exists(
            User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=role)
        )
        for number, role in enumerate(roles)
    }
    users = (
        User.objects.filter(
            Q(posts__isnull=False)
            | Q(bylines__isnull=False)
            | Q(groups__name__in=list(ROLE_PERMISSIONS))
        )
        .distinct()
        .annotate(**holds)
        .order_by("username")
    )
    for user in users:
        yield {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "bio": user.bio,
            "roles": [role for role, held in zip(roles, holds, strict=True) if getattr(user, held)],
        }


def _keys(header: dict[str, Any]) -> dict[int, str]:
    """Image id → key, from the header's `images`."""
    return {image["id"]: image["key"] for image in header["images"]}


def _posts(keys: dict[int, str] | None = None) -> Iterator[dict[str, Any]]:
    """The posts; `keys` (image id → key) as `_keys` reads them, else from the library."""
    if keys is None:
        names = Image.objects.values_list("pk", "file")
        keys = {pk: image_key(Image(file=name)) for pk, name in names}
    posts = (
        Post.all_kinds.select_related("author", "category")  # pages too: `kind` says which
        .prefetch_related("tags", byline_prefetch(), _comments_prefetch())
        .defer("search_vector", "body_html")
        .order_by("slug")
    )
    for post in posts.iterator(chunk_size=_CHUNK):
        yield {
            "id": post.pk,
            "kind": post.kind,  # "post" or "page" (at /<slug>/; no category or tags)
            "slug": post.slug,
            "title": post.title,
            "author": post.author.username,  # the lead: `authors[0]`
            "authors": [user.username for user in post.authors_in_order],
            "category": post.category.slug if post.category else None,
            "tags": sorted(t.slug for t in post.tags.all()),
            "excerpt": post.excerpt,  # as written ("" when taken from the body)
            "summary": post.summary,  # what readers see: the excerpt, or the body's start
            "body": post.body,
            "status": post.status,
            "state": post.state,
            "audience": post.audience,  # "everyone" or "members" (who reads the body)
            "published_at": iso(post.published_at),
            "expires_at": iso(post.expires_at),
            "created_at": iso(post.created_at),
            "updated_at": iso(post.updated_at),
            # Search engines and social cards as written ("" / false: the fallbacks).
            **{name: getattr(post, name) for name in EXPORTED_SEO_FIELDS},
            # Library pictures, by their key in the document's `images`: the cover, the
            # social card's, and those the body shows (`image:<id>`), in body order.
            "cover_image": keys.get(post.cover_image_id),
            "social_image": keys.get(post.social_image_id),
            "images": _body_images(post.body, keys),
            "comments": _comments(post.exported_comments),
        }


def _body_images(body: str, keys: dict[int, str]) -> list[str]:
    """The keys of the library images `body` shows, each once, in order (an `image:<id>`
    of an image deleted since shows its alt text here, and is not listed)."""
    found = (keys.get(int(match.group(2))) for match in image_references(body))
    return list(dict.fromkeys(key for key in found if key))


# What an export carries of comments: the thread readers see and the moderation queue.
# Spam and removed comments stay behind.
EXPORTED_COMMENT_STATUSES = (Comment.Status.APPROVED, Comment.Status.PENDING)


def _comments_prefetch() -> Prefetch:
    comments = Comment.objects.filter(status__in=EXPORTED_COMMENT_STATUSES).order_by(
        "created_at", "pk"
    )
    return Prefetch("comments", queryset=comments, to_attr="exported_comments")


def comment_key(comment: Comment) -> str:
    """A comment's key in the export: where it came from (`source_id`), else its id here.
    Imported, it becomes the new comment's `source_id`, so the round trip keeps it."""
    return comment.source_id or f"broadsheet:{comment.pk}"


def _comments(comments: list[Comment]) -> list[dict[str, Any]]:
    """A post's comments, oldest first. The author's e-mail is in (this is the site
    owner's full export, as authors' e-mails are); the client address never is."""
    keys = {comment.pk: comment_key(comment) for comment in comments}
    return [
        {
            "key": keys[comment.pk],
            "parent": keys.get(comment.parent_id),  # null: top-level (or its parent stayed)
            "author_name": comment.author_name,
            "author_email": comment.author_email,
            "body": comment.body,  # Markdown
            "status": comment.status,
            "created_at": iso(comment.created_at),
            "edited_at": iso(comment.edited_at),
        }
        for comment in comments
    ]


FLAVOURS = ("hugo", "jekyll")


def write_markdown(directory: Path, flavour: str = "hugo") -> int:
    """One Markdown file per post with the YAML front matter `flavour` documents.
    Returns the number of files written.

    - **hugo** (`DIR` = `content/posts`): `YYYY-MM-DD-slug.md` (`slug.md` for an undated
      draft) with `title`, `slug`, `date`, `lastmod`, `draft`, `summary`, `categories`,
      `tags` and `author` (a page parameter). Never `published`: Hugo reads it as an alias
      of `publishDate` and 0.135+ refuses a boolean there.
    - **jekyll** (`DIR` = the site's root): published posts in `_posts/YYYY-MM-DD-slug.md`,
      drafts and scheduled posts in `_drafts/slug.md` (shown by `jekyll serve --drafts`),
      with `layout`, `title`, `slug`, `date` in Jekyll's format, `last_modified_at`,
      `excerpt`, `categories`, `tags` and `author`.

    Pages (`kind` "page"): Hugo `pages/slug.md` with `type: page`, `url: /slug/` and
    `draft`; Jekyll `slug.md` at the root with `layout: page`, `permalink: /slug/` and
    `published`.
    """
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown Markdown flavour {flavour!r}: one of {', '.join(FLAVOURS)}")
    categories = {c.slug: c.name for c in Category.objects.all()}
    tags = {t.slug: t.name for t in Tag.objects.all()}
    count = 0
    for post in _posts():
        shared = {
            "author": post["author"],
            "categories": [categories[post["category"]]] if post["category"] else [],
            "tags": [tags[t] for t in post["tags"]],
        }
        date, live = post["published_at"], post["state"] == Post.State.PUBLISHED
        if post["kind"] == Post.Kind.PAGE:
            path = _page_path(directory, flavour, post["slug"])
            front = {"title": post["title"], "slug": post["slug"], "type": "page"}
            front |= {"layout": "page"} if flavour == "jekyll" else {}
            front |= {("permalink" if flavour == "jekyll" else "url"): f"/{post['slug']}/"}
            front |= {"draft": not live} if flavour == "hugo" else {"published": live}
            front |= {"author": post["author"]}
        elif flavour == "hugo":
            front = {"title": post["title"], "slug": post["slug"]}
            front |= {"date": date} if date else {}
            front |= {"lastmod": post["updated_at"], "draft": not live, "summary": post["summary"]}
            path = directory / (f"{date[:10]}-{post['slug']}.md" if date else f"{post['slug']}.md")
        else:
            front = {"layout": "post", "title": post["title"], "slug": post["slug"]}
            front |= {"date": _jekyll_date(date)} if date else {}
            front |= {
                "last_modified_at": _jekyll_date(post["updated_at"]),
                "excerpt": post["summary"],
            }
            folder = directory / ("_posts" if live else "_drafts")
            path = folder / (f"{date[:10]}-{post['slug']}.md" if live else f"{post['slug']}.md")
        path.parent.mkdir(parents=True, exist_ok=True)
        filed = {} if post["kind"] == Post.Kind.PAGE else shared  # pages are not filed
        text = yaml.safe_dump(front | filed, allow_unicode=True, sort_keys=False)
        path.write_text(f"---\n{text}---\n\n{post['body'].rstrip(chr(10))}\n", encoding="utf-8")
        count += 1
    return count


def _page_path(directory: Path, flavour: str, slug: str) -> Path:
    """Hugo: `pages/slug.md` beside the posts (`type: page`, `url: /slug/`); Jekyll: a
    page at the site's root, `slug.md` (`layout: page`, `permalink: /slug/`)."""
    return directory / "pages" / f"{slug}.md" if flavour == "hugo" else directory / f"{slug}.md"


def _jekyll_date(value: str) -> str:
    """`2026-04-30T10:00:00.5Z` → `2026-04-30 10:00:00 +0000`, the format Jekyll documents."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S %z")
