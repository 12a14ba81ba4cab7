"""Revisions of posts (django-reversion): what each one holds, diffs, and restoring one.

Registered here, so `blog` never knows about it. A revision stores the fields in
`FIELDS` (tags and category by id); `editorial.middleware` makes one per admin or API
write with its user, `editorial.signals` one per save anywhere else. The versions live
in reversion's own tables, which no reader page or post list queries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reversion
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from blog import permissions
from blog.admin.states import format_moment, zone_name
from blog.models import Category, Post, Tag
from blog.services import post_update
from pages.models import Page

# Search engines and social cards (blog.seo): kept, compared and restored with the rest.
SEO_TEXT = ["meta_title", "meta_description", "canonical_url", "social_title"]
SEO_TEXT += ["social_description"]
FIELDS = ["title", "slug", "body", "excerpt", "status", "published_at", "category", "tags"]
FIELDS += [*SEO_TEXT, "social_image", "noindex", "audience"]
LABELS = {
    "title": "Title",
    "slug": "Slug",
    "excerpt": "Excerpt",
    "status": "Status",
    "published_at": "Publish at",
    "category": "Category",
    "tags": "Tags",
    "meta_title": "Meta title",
    "meta_description": "Meta description",
    "canonical_url": "Canonical URL",
    "social_title": "Social title",
    "social_description": "Social description",
    "social_image": "Social image",
    "noindex": "Hide from search engines",
    "audience": "Audience",
}
# Stored under another key (reversion's field_dict names a foreign key by its column).
KEYS = {"category": "category_id", "social_image": "social_image_id"}

reversion.register(Post, fields=[*FIELDS, "author"])
# Pages (a proxy of Post): their versions are stored under the posts' content type
# (reversion's `for_concrete_model`), so a page's history is one list however it was saved.
reversion.register(Page, fields=[*FIELDS, "author"])


def post_versions(post: Post):
    """The post's revisions, newest first, with their user and date in one query."""
    return (
        Version.objects.get_for_object(post)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def _raw(version: Version) -> dict[str, Any]:
    """The stored fields as saved (ids for category and tags), by their attribute names.

    reversion's public `field_dict`; a Post has no parent model, so it reads nothing more.
    """
    return version.field_dict


@dataclass
class FieldChange:
    label: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class LineChange:
    """One line of the body diff: `op` is " " (same), "-" (removed) or "+" (added)."""

    op: str
    text: str


def readable(version: Version) -> dict[str, str]:
    """The fields of a revision as an editor reads them: names, not ids."""
    return _readable(_raw(version))


def readable_post(post: Post) -> dict[str, str]:
    """The post as it is stored now, in the same words as `readable`: what a restore replaces."""
    return _readable(
        {
            "title": post.title,
            "slug": post.slug,
            "excerpt": post.excerpt,
            "status": post.status,
            "published_at": post.published_at,
            "category_id": post.category_id,
            "tags": [tag.pk for tag in post.tags.all()],
            "body": post.body,
            **{name: getattr(post, name) for name in SEO_TEXT},
            "social_image_id": post.social_image_id,
            "noindex": post.noindex,
            "audience": post.audience,
        }
    )


def _readable(data: dict[str, Any]) -> dict[str, str]:
    category = Category.objects.filter(pk=data.get("category_id")).first()
    tags = Tag.objects.filter(pk__in=data.get("tags") or []).order_by("name")
    published = data.get("published_at")
    return {
        "title": data.get("title", ""),
        "slug": data.get("slug", ""),
        "excerpt": data.get("excerpt", ""),
        "status": Post.Status(data["status"]).label if data.get("status") else "",
        "published_at": format_moment(published) if published else "—",
        "category": category.name if category else "—",
        "tags": ", ".join(tag.name for tag in tags) or "—",
        "body": data.get("body", ""),
        **{name: data.get(name) or "" for name in SEO_TEXT},
        "social_image": f"Image {data['social_image_id']}" if data.get("social_image_id") else "—",
        "noindex": "Yes" if data.get("noindex") else "No",
        # Revisions from before members hold none: everyone's.
        "audience": Post.Audience(data.get("audience") or Post.Audience.EVERYONE).label,
    }


def format_saved(moment) -> str:
    """`2026-12-01 09:00:07 CET`: revisions a few seconds apart must read apart."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S} {zone_name(moment)}"


def diff(older: Version, newer: Version) -> tuple[list[FieldChange], list[LineChange]]:
    """Fields side by side, and the body line by line, from `older` to `newer`."""
    return diff_readable(readable(older), readable(newer))


def diff_readable(
    a: dict[str, str], b: dict[str, str], *, context: int = 2
) -> tuple[list[FieldChange], list[LineChange]]:
    """Only what changed: the fields that differ, and the body's changed lines with
    `context` unchanged lines around each change ("…" where unchanged lines are left out),
    so a one-word edit in a long post is one short block, not the whole post again."""
    fields = [FieldChange(label, a[name], b[name]) for name, label in LABELS.items()]
    fields = [field for field in fields if field.changed]
    marked = [
        LineChange(line[0], line[2:])
        for line in difflib.ndiff(a["body"].splitlines(), b["body"].splitlines())
        if not line.startswith("?")
    ]
    near = {
        i + offset
        for i, line in enumerate(marked)
        if line.op != " "
        for offset in range(-context, context + 1)
    }
    lines: list[LineChange] = []
    for i, line in enumerate(marked):
        if i in near:
            lines.append(line)
        elif lines and lines[-1].op != "…":
            lines.append(LineChange("…", ""))
    if lines and marked and 0 not in near:
        lines.insert(0, LineChange("…", ""))
    return fields, lines


def change_summary(older: dict[str, Any] | None, newer: dict[str, Any]) -> str:
    """What a revision changed from the one before it, in a few words for the history
    ("Title, body (+3 \u22121 lines), tags"); read from the stored ids, so no query."""
    if older is None:
        return "First revision"
    parts = []
    for name, label in LABELS.items():
        key = KEYS.get(name, name)
        before, after = older.get(key), newer.get(key)
        if name == "tags":
            before, after = sorted(before or []), sorted(after or [])
        elif name in SEO_TEXT or name == "noindex":
            # Revisions from before these fields existed hold none: blank, not changed.
            before, after = before or "", after or ""
        elif name == "audience":
            before, after = before or Post.Audience.EVERYONE, after or Post.Audience.EVERYONE
        if before != after:
            parts.append(label)
    a, b = (older.get("body") or "").splitlines(), (newer.get("body") or "").splitlines()
    if a != b:
        ops = [line[0] for line in difflib.ndiff(a, b) if line[0] in "+-"]
        parts.insert(min(1, len(parts)), f"Body (+{ops.count('+')} \u2212{ops.count('-')} lines)")
    if not parts:
        return "No change"
    return ", ".join([parts[0], *(part[0].lower() + part[1:] for part in parts[1:])])


def restored_status(version: Version, user) -> tuple[str, datetime | None]:
    """The status and publication time a restore of `version` by `user` gives the post:
    the revision's own when `user` may publish, else a draft (a Contributor's restore)."""
    data = _raw(version)
    status = data.get("status") or Post.Status.DRAFT
    published_at = data.get("published_at")
    if status != Post.Status.DRAFT and not permissions.can_publish(user):
        return Post.Status.DRAFT, None
    return status, published_at


def revision_restore(*, post: Post, version: Version, user) -> Post:
    """Bring `post` back to `version`'s content, as a new revision by `user`.

    Status and publication time come back too when `user` may set them; otherwise (a
    Contributor) the post comes back as a draft.
    """
    if not permissions.can_change(user, post):
        raise PermissionError("You may not change this post.")
    data = _raw(version)
    status, published_at = restored_status(version, user)
    with transaction.atomic(), reversion.create_revision():
        changes = {
            "title": data.get("title", post.title),
            "body": data.get("body", post.body),
            "excerpt": data.get("excerpt", ""),
            "category": Category.objects.filter(pk=data.get("category_id")).first(),
            "status": status,
            "published_at": published_at if status == Post.Status.PUBLISHED else None,
            "tags": Tag.objects.filter(pk__in=data.get("tags") or []),
            # A revision from before the SEO fields existed leaves them as they are.
            # … and one from before members, the audience.
            **{name: data[name] for name in [*SEO_TEXT, "noindex", "audience"] if name in data},
        }
        if "social_image_id" in data:  # the image, unless it left the library since
            images = Post._meta.get_field("social_image").related_model.objects
            changes["social_image"] = images.filter(pk=data["social_image_id"]).first()
        post = post_update(post=post, data=changes, user=user)  # the one write path
        reversion.set_user(user)
        reversion.set_comment(
            f"Restored the revision of {version.revision.date_created:%Y-%m-%d %H:%M:%S} UTC"
        )
    return post
