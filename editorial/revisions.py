"""Revisions of posts (django-reversion): what each one holds, diffs, and restoring one.

Registered here, so `blog` never knows about it. A revision stores the fields in
`FIELDS` (tags and category by id); `editorial.middleware` makes one per admin or API
write with its user, `editorial.signals` one per save anywhere else. The versions live
in reversion's own tables, which no reader page or post list queries.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import reversion
from django.db import transaction
from reversion.models import Version

from blog import permissions
from blog.admin.states import format_moment
from blog.models import Category, Post, Tag
from blog.services import post_update

FIELDS = ["title", "slug", "body", "excerpt", "status", "published_at", "category", "tags"]
LABELS = {
    "title": "Title",
    "slug": "Slug",
    "excerpt": "Excerpt",
    "status": "Status",
    "published_at": "Publish at",
    "category": "Category",
    "tags": "Tags",
}

reversion.register(Post, fields=[*FIELDS, "author"])


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
    data = _raw(version)
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
    }


def diff(older: Version, newer: Version) -> tuple[list[FieldChange], list[LineChange]]:
    """Fields side by side, and the body line by line, from `older` to `newer`."""
    a, b = readable(older), readable(newer)
    fields = [FieldChange(label, a[name], b[name]) for name, label in LABELS.items()]
    lines = [
        LineChange(line[0], line[2:])
        for line in difflib.ndiff(a["body"].splitlines(), b["body"].splitlines())
        if not line.startswith("?")
    ]
    return fields, lines


def revision_restore(*, post: Post, version: Version, user) -> Post:
    """Bring `post` back to `version`'s content, as a new revision by `user`.

    Status and publication time come back too when `user` may set them; otherwise (a
    Contributor) the post comes back as a draft.
    """
    if not permissions.can_change(user, post):
        raise PermissionError("You may not change this post.")
    data = _raw(version)
    status = data.get("status") or Post.Status.DRAFT
    published_at = data.get("published_at")
    if status != Post.Status.DRAFT and not permissions.can_publish(user):
        status, published_at = Post.Status.DRAFT, None
    with transaction.atomic(), reversion.create_revision():
        changes = {
            "title": data.get("title", post.title),
            "body": data.get("body", post.body),
            "excerpt": data.get("excerpt", ""),
            "category": Category.objects.filter(pk=data.get("category_id")).first(),
            "status": status,
            "published_at": published_at if status == Post.Status.PUBLISHED else None,
            "tags": Tag.objects.filter(pk__in=data.get("tags") or []),
        }
        post = post_update(post=post, data=changes, user=user)  # the one write path
        reversion.set_user(user)
        reversion.set_comment(
            f"Restored the revision of {version.revision.date_created:%Y-%m-%d %H:%M} UTC"
        )
    return post
