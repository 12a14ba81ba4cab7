"""Post writes: the one path by which a post is created, changed, published, hidden or deleted.

    post_create(data={...}, user=writer)      # data["authors"]: the byline, in order
    post_update(post=post, data={"title": "New"}, expected_version=version, user=writer)
    post_publish(post=post, user=editor)        # now, or at its own date if it has one
    post_unpublish(post=post, user=editor)      # back to draft
    post_delete(post=post, user=editor)
    post_bulk_create(posts=[...], tag_ids=[...])  # importers: derived fields, events, search
    post_bulk_update(posts=[...], fields=[...], tag_ids=[...])
    tags_named(names=["Tide tables", "kelp"])   # a writer's new tags, created if missing

The admin, the API, revision restore and the importers call these, so each rule has one
home: the derived columns in `Post.derive` (called by `Post.save` and by the bulk path
alike), the optimistic lock in `post_lock`, the events in `blog.events` — sent once per
write, in bulk as a batch, from here and nowhere else.

**One optimistic lock.** A writer's copy carries the version it was read at
(`Post.version`: the admin form's hidden field, the API's ETag). `post_lock` reads the
stored row under a row lock (held until the transaction ends, so no one writes between
check and write) and refuses a write from an older version with `StaleVersion`; the
admin shows it as a form error naming who saved in between, the API as a 412 problem.

**Go-live before hiding.** A post that went public by the clock and was never announced
(the sweep had not come by) is announced before a write hides or deletes it, so its
go-live side effects (webhooks) are never skipped (`blog.sweep.post_announce`); likewise
a post that expired by the clock is retired first (`blog.sweep.post_retire`).

**Authors.** `data["authors"]` is the ordered byline (users); the first is the lead,
`Post.author`. Given only `author`, the lead changes and the co-authors stay. The
`PostAuthor` rows are written here and nowhere else (`_set_authors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from .events import post_created, post_deleted, post_published, post_unpublished, post_updated
from .models import Post, PostAuthor, PostSnapshot, Tag, version_token
from .slugs import unique_slug
from .sweep import post_announce, post_retire

__all__ = [
    "StaleVersion",
    "post_bulk_create",
    "post_bulk_update",
    "post_create",
    "post_delete",
    "post_lock",
    "post_publish",
    "post_unpublish",
    "post_update",
    "tags_named",
]


class StaleVersion(Exception):
    """The post was saved by someone else since the writer's copy was read."""

    def __init__(self, *, recorded_at: datetime, last_edited_by_id: int | None) -> None:
        super().__init__("The post changed since this version was read.")
        self.recorded_at = recorded_at  # when it was saved here
        self.last_edited_by_id = last_edited_by_id

    @property
    def version(self) -> str:
        """The stored version: a writer who saves again on purpose sends this one."""
        return version_token(self.recorded_at)


def post_lock(*, post_id: int, expected_version: str | None = None) -> PostSnapshot:
    """Lock the stored row until the transaction ends; refuse a stale writer.

    Raises `Post.DoesNotExist` when the post is gone (deleted by another writer), and
    `StaleVersion` when `expected_version` is given and is not the stored version. Call
    it inside a transaction; `post_update` and `post_delete` do.
    """
    row = (
        Post.all_kinds.select_for_update(of=("self",))
        .filter(pk=post_id)
        .values_list(*PostSnapshot.FIELDS, "recorded_at", "last_edited_by_id")
        .first()
    )
    if row is None:
        raise Post.DoesNotExist(f"Post {post_id} does not exist.")
    *stored, recorded_at, last_edited_by_id = row
    if expected_version is not None and expected_version != version_token(recorded_at):
        raise StaleVersion(recorded_at=recorded_at, last_edited_by_id=last_edited_by_id)
    return PostSnapshot(*stored)


@transaction.atomic
def post_create(*, data: Mapping[str, Any], user, post: Post | None = None) -> Post:
    """A new post from `data` (model fields; `tags` a list of tags), written by `user`.

    The author is `data["authors"][0]` or `data["author"]` when given (editors file posts
    under others' names), else `user`; `authors` lists the whole byline in order. `post`:
    an unsaved post to fill and save rather than a new one (the admin's form built it,
    and shows it after the save).
    """
    post = Post() if post is None else post
    fields, tags, authors = _split(post, data)
    for name, value in fields.items():
        setattr(post, name, value)
    authors = authors or [fields.get("author") or user]
    post.author = authors[0]
    post.last_edited_by = user
    post.save(force_insert=True)
    if tags is not None:
        post.tags.set(tags)
    _set_authors([post], [authors], replace=False)
    post_created.send(sender=Post, posts=[post], user=user, tags_changed=bool(tags))
    if post.is_public:
        post_published.send(sender=Post, posts=[post], before={}, user=user)
    return post


@transaction.atomic
def post_update(
    *,
    post: Post,
    data: Mapping[str, Any],
    user,
    expected_version: str | None = None,
    only_given: bool = False,
) -> Post:
    """Apply `data` to `post` and write it, if `expected_version` is still the stored one.

    `only_given` writes only the fields `data` names (and what they derive): the API's
    PATCH, so a concurrent write of another field is neither lost nor undone. `tags` in
    `data` replaces the post's tags. `user` is recorded as the last editor (None: a
    system write).
    """
    before = post_lock(post_id=post.pk, expected_version=expected_version)
    fields, tags, authors = _split(post, data)
    if authors:
        fields["author"] = authors[0]
    elif "author" in fields and fields["author"].pk != before.author_id:
        lead = fields["author"]
        authors = [lead, *(u for u in post.authors_in_order[1:] if u.pk != lead.pk)]
    for name, value in fields.items():
        setattr(post, name, value)
    if user is not None:
        post.last_edited_by = user
    before = _announce_if_hidden(before, hidden=not post.is_public)
    post.stored_row = before
    names = [*fields, "last_edited_by"] if only_given else None
    if tags is not None:
        post.tags.set(tags)  # before the save: the new version covers the tags too
        if names is not None and not fields:
            names = ["last_edited_by"]
    if authors:
        _set_authors([post], [authors], replace=True)  # before the save, as the tags
        if names is not None and not fields:
            names = ["last_edited_by"]
    post.save(update_fields=names)
    _send_update_events([post], {post.pk: before}, user=user, tags_changed=tags is not None)
    return post


def post_publish(
    *, post: Post, user, published_at: datetime | None = None, expected_version: str | None = None
) -> Post:
    """Publish `post` at `published_at`: now when None and the post has no date of its
    own; a time ahead schedules it."""
    when = published_at or post.published_at  # none at all: `Post.derive` dates it now
    data = {"status": Post.Status.PUBLISHED, "published_at": when}
    return post_update(post=post, data=data, user=user, expected_version=expected_version)


def post_unpublish(*, post: Post, user, expected_version: str | None = None) -> Post:
    """Back to draft, hidden from readers; a draft shows when it was edited, not a date."""
    data = {"status": Post.Status.DRAFT, "published_at": None}
    return post_update(post=post, data=data, user=user, expected_version=expected_version)


@transaction.atomic
def post_delete(*, post: Post, user=None, expected_version: str | None = None) -> None:
    """Delete `post` (if `expected_version` is still the stored one); sends `post_deleted`.

    `user` is who deletes (not stored today: the revision history keeps the post's past).
    """
    before = post_lock(post_id=post.pk, expected_version=expected_version)
    before = _announce_if_hidden(before, hidden=True)
    post.delete()
    post_deleted.send(sender=Post, posts=[before], user=user)


@transaction.atomic
def post_bulk_create(
    *,
    posts: Sequence[Post],
    tag_ids: Sequence[Sequence[int]] | None = None,
    keep_times: bool = False,
    announced: bool = False,
    author_ids: Sequence[Sequence[int]] | None = None,
) -> list[Post]:
    """Insert `posts` in one statement, with their derived columns and search entries,
    and send `post_created` (and `post_published` for the public ones) once for all.

    A post without a slug gets one made from its title (`blog.slugs`); a slug given is
    the caller's to have checked (the importer keeps the source's when it is free).
    `tag_ids`: each post's tags, in the same order. `keep_times`: keep the `created_at`
    and `updated_at` the posts carry (an import's own; `bulk_create` stamps now);
    `recorded_at`, which syncing clients follow, is now either way.
    `announced`: posts public when written count as announced (an import's old news
    sends no go-live webhooks); `first_public_at` is set either way. `author_ids`: each
    post's byline in order (default: its `author` alone); the first becomes `author`.
    """
    posts = list(posts)
    if not posts:
        return []
    chosen: set[str] = set()
    bylines = _bylines(posts, author_ids)
    for post in posts:
        if not post.slug:  # as `Post.save` does, with this batch's slugs taken too
            post.slug = unique_slug(post, post.title, reserved=chosen)
        chosen.add(post.slug)
        post.derive(stored=None)
        if announced and post.is_public and post.announced_at is None:
            post.announced_at = post.published_at
    stamps = [(post.created_at, post.updated_at) for post in posts]
    Post.all_kinds.bulk_create(posts)
    if keep_times:
        for post, (created_at, updated_at) in zip(posts, stamps, strict=True):
            post.created_at = created_at or post.created_at
            post.updated_at = updated_at or post.updated_at
        Post.all_kinds.bulk_update(posts, ["created_at", "updated_at"])
    if tag_ids is not None:
        _set_tags(posts, tag_ids, replace=False)
    _set_authors(posts, bylines, replace=False)
    Post.all_kinds.filter(pk__in=[post.pk for post in posts]).index_for_search()
    post_created.send(sender=Post, posts=posts, user=None, tags_changed=bool(tag_ids))
    public = [post for post in posts if post.is_public]
    if public:
        post_published.send(sender=Post, posts=public, before={}, user=None)
    return posts


@transaction.atomic
def post_bulk_update(
    *,
    posts: Sequence[Post],
    fields: Sequence[str],
    tag_ids: Sequence[Sequence[int]] | None = None,
    keep_times: bool = False,
    announced: bool = False,
    author_ids: Sequence[Sequence[int]] | None = None,
) -> list[Post]:
    """Write `fields` of `posts` (and what they derive) in bulk, under row locks, and
    send the same events as one `post_update` per post, once for the batch.

    `keep_times`: keep the `updated_at` the posts carry (`recorded_at` is now either
    way). `announced`: as in
    `post_bulk_create`, for posts that become public with this write. `author_ids`: each
    post's byline in order, replacing the stored one (None: bylines left as they are,
    but for a changed lead `author`, written with `fields`, which leads the byline).
    """
    posts = list(posts)
    if not posts:
        return []
    rows = (
        Post.all_kinds.select_for_update(of=("self",))
        .filter(pk__in=[post.pk for post in posts])
        .values_list(*PostSnapshot.FIELDS)
    )
    before = {row[0]: PostSnapshot(*row) for row in rows}
    now = timezone.now()
    bylines = _bylines(posts, author_ids) if author_ids is not None else None
    for post in posts:
        stored = _announce_if_hidden(before[post.pk], hidden=not post.is_public)
        before[post.pk] = stored
        post.derive(stored=stored)
        if announced and post.is_public and not stored.is_public:
            post.announced_at = post.announced_at or post.published_at
        if not keep_times or post.updated_at is None:
            post.updated_at = now
        post.recorded_at = now  # whatever `updated_at` is kept: syncing clients follow it
    derived = {d for field in fields for d in Post.DERIVED_FIELDS.get(field, ())}
    always = {"updated_at", "recorded_at", "announced_at", "first_public_at"}
    Post.all_kinds.bulk_update(posts, sorted(set(fields) | derived | always))
    if tag_ids is not None:
        _set_tags(posts, tag_ids, replace=True)
    if bylines is not None:
        _set_authors(posts, bylines, replace=True)
    elif "author" in fields:
        _lead_first(posts)
    Post.all_kinds.filter(pk__in=[post.pk for post in posts]).index_for_search()
    _send_update_events(posts, before, user=None, tags_changed=tag_ids is not None)
    return posts


def tags_named(*, names: Sequence[str]) -> list[Tag]:
    """The tags called `names` (in any letter case), creating the missing ones with the
    one slug rule (`Tag.objects.get_or_create_named`, `blog.slugs`); in the order given,
    each once. Who may name new tags is `blog.permissions.can_name_new_tags`'s to say."""
    tags: dict[int, Tag] = {}
    for name in names:
        tag = Tag.objects.get_or_create_named(name)
        tags.setdefault(tag.pk, tag)
    return list(tags.values())


# --- one write's parts -----------------------------------------------------------------


def _split(
    post: Post | None, data: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Tag] | None, list | None]:
    """The post's own fields, its tags and its authors in order (None: leave them).

    `rendering` (not a column) is the body's rendering a form or serializer made to
    validate it: handed to the post, so the save does not render the same body again.
    """
    fields = dict(data)
    tags = fields.pop("tags", None)
    authors = fields.pop("authors", None)
    rendering = fields.pop("rendering", None)
    if post is not None and rendering is not None:
        post.rendering = rendering
    if authors is not None:
        authors = list({user.pk: user for user in authors}.values())  # each once, in order
    return fields, None if tags is None else list(tags), authors or None


def _announce_if_hidden(before: PostSnapshot, *, hidden: bool) -> PostSnapshot:
    """Announce a post live by the clock but not yet announced, before a write hides it,
    and retire one expired by the clock but not yet retired, before any write of it
    (see the module docstring); the stored row as it is then."""
    if hidden and before.is_public and before.announced_at is None:
        post_announce(post_id=before.id)
        return PostSnapshot.read(before.id) or before
    if before.is_expired and post_retire(post_id=before.id):
        return PostSnapshot.read(before.id) or before
    return before


def _send_update_events(
    posts: list[Post], before: dict[int, PostSnapshot], *, user, tags_changed: bool
) -> None:
    sent = {"sender": Post, "before": before, "user": user}
    post_updated.send(posts=posts, tags_changed=tags_changed, **sent)
    shown = [post for post in posts if post.is_public and not before[post.pk].is_public]
    hidden = [post for post in posts if before[post.pk].is_public and not post.is_public]
    if shown:
        post_published.send(posts=shown, **sent)
    if hidden:
        post_unpublished.send(posts=hidden, **sent)


def _bylines(posts: list[Post], author_ids: Sequence[Sequence[int]] | None) -> list[list[int]]:
    """Each post's byline as user ids, each once, in order; the first set as its lead."""
    if author_ids is None:
        return [[post.author_id] for post in posts]
    bylines = []
    for post, ids in zip(posts, author_ids, strict=True):
        ids = list(dict.fromkeys(ids)) or [post.author_id]
        post.author_id = ids[0]
        bylines.append(ids)
    return bylines


def _set_authors(posts: list[Post], bylines: Sequence[Sequence], *, replace: bool) -> None:
    """Write the `PostAuthor` rows of `posts`: each byline (users or ids) in order."""
    if replace:
        PostAuthor.objects.filter(post_id__in=[post.pk for post in posts]).delete()
    PostAuthor.objects.bulk_create(
        [
            PostAuthor(post_id=post.pk, user_id=getattr(user, "pk", user), position=position)
            for post, users in zip(posts, bylines, strict=True)
            for position, user in enumerate(users)
        ]
    )
    for post in posts:
        post.__dict__.pop("byline_rows", None)  # a prefetched byline is stale now


def _lead_first(posts: list[Post]) -> None:
    """Bylines after a bulk write of `author`: the new lead first, the co-authors after."""
    rows = PostAuthor.objects.filter(post_id__in=[post.pk for post in posts]).order_by(
        "post_id", "position"
    )
    others: dict[int, list[int]] = {}
    for post_id, user_id in rows.values_list("post_id", "user_id"):
        others.setdefault(post_id, []).append(user_id)
    bylines = [
        [post.author_id, *(u for u in others.get(post.pk, []) if u != post.author_id)]
        for post in posts
    ]
    _set_authors(posts, bylines, replace=True)


def _set_tags(posts: list[Post], tag_ids: Sequence[Sequence[int]], *, replace: bool) -> None:
    through = Post.tags.through
    if replace:
        through.objects.filter(post_id__in=[post.pk for post in posts]).delete()
    through.objects.bulk_create(
        [
            through(post_id=post.pk, tag_id=tag_id)
            for post, ids in zip(posts, tag_ids, strict=True)
            for tag_id in dict.fromkeys(ids)
        ]
    )
