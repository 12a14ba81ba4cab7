"""Scheduled updates: changes to a published post that replace its live text at a time.

    update = scheduled_update_create(post=post, user=editor, data=form.post_data(),
                                     apply_at=tomorrow_9am)   # the live post is unchanged
    scheduled_update_cancel(update=update, user=editor)
    apply_due_updates()   # the sweep (beat, every minute: editorial.tasks)

Only the fields the editor changed are kept (`ScheduledUpdate.fields`), and only those
are written when the update is applied (`blog.services.post_update(only_given=True)`,
as its creator): an edit made to other fields in between stays, an edit to the same
fields is replaced by the scheduled text. The post keeps its status: an update of a post
unpublished in between is applied to the draft.

Exactly once: the sweep claims a due update under a row lock that other sweeps skip
(`select_for_update(skip_locked=True)`), and writes the post and `applied_at` in the
same transaction; a cancel is an UPDATE of pending rows only, so it waits for an apply
in progress and then finds nothing to cancel. Readers see the new text from the apply:
the post write retires cached pages (`blog.signals`), so a cached page outlives the
scheduled time by at most the sweep's interval (60 s) and nginx's micro-cache (5 s).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import reversion
from django.db import transaction
from django.utils import timezone

from blog import permissions
from blog.admin.states import format_moment
from blog.models import Post, Tag
from blog.seo import SEO_FIELDS
from blog.services import post_update

from .models import ScheduledUpdate

logger = logging.getLogger(__name__)

# The post's fields a scheduled update may change (not its status, publication time or
# expiry): what readers see, search engines and social cards and who reads the body
# (`audience`: a post that opens to everyone, or closes to members, at a set time)
# included. Not the newsletter: it goes once, when the post goes public.
FIELDS = (
    "title", "body", "excerpt", "cover_image", "category", "tags", "slug", "author",
    *SEO_FIELDS, "audience",
)  # fmt: skip
LABELS = {"cover_image": "Cover image", "noindex": "Hide from search engines"}
MAX_PENDING = 20  # per post: a bound on what one form lists
BATCH_SIZE = 100
COMMENT = "Scheduled update applied"


class ScheduleRefused(Exception):
    """The update cannot be scheduled; the message says why, for the editor."""


def field_label(name: str) -> str:
    return LABELS.get(name, name.replace("_", " ").capitalize())


def fields_named(fields: dict[str, Any]) -> str:
    """ "Title, Body": the fields an update changes, in the form's order (a JSON column
    may keep its keys in another)."""
    return ", ".join(field_label(name) for name in FIELDS if name in fields)


def _stored(post: Post, name: str) -> Any:
    """The stored value of `name` in the JSON shape `ScheduledUpdate.fields` holds."""
    if name == "tags":
        return sorted(post.tags.values_list("pk", flat=True))
    if post._meta.get_field(name).is_relation:
        return getattr(post, f"{name}_id")
    return getattr(post, name)


def _as_json(name: str, value: Any) -> Any:
    if name == "tags":
        return sorted(tag.pk for tag in value)
    if Post._meta.get_field(name).is_relation:
        return None if value is None else value.pk
    return value


def changed_fields(*, post: Post, data: dict[str, Any]) -> dict[str, Any]:
    """What `data` (a post form's `post_data()`) changes of the stored `post`, as JSON."""
    stored = Post.all_kinds.get(pk=post.pk)
    changes = {}
    for name in FIELDS:
        if name in data and (value := _as_json(name, data[name])) != _stored(stored, name):
            changes[name] = value
    return changes


def can_schedule(user, post: Post) -> bool:
    """Who may change a live post: its writer who may publish, or an editor."""
    return permissions.can_change(user, post) and permissions.can_publish(user)


def scheduled_update_create(
    *, post: Post, user, data: dict[str, Any], apply_at: datetime
) -> ScheduledUpdate:
    """Keep the changes `data` makes to the published `post` until `apply_at`."""
    if not can_schedule(user, post):
        raise ScheduleRefused("You may not change this post.")
    if not post.is_public:
        raise ScheduleRefused(
            "Only a published post's changes can be scheduled: save this one as it is."
        )
    if apply_at <= timezone.now():
        raise ScheduleRefused("Pick a date and time in the future for the changes.")
    if post.scheduled_updates.pending().count() >= MAX_PENDING:
        raise ScheduleRefused(
            f"This post has {MAX_PENDING} scheduled updates waiting: cancel one first."
        )
    changes = changed_fields(post=post, data=data)
    if not changes:
        raise ScheduleRefused("Nothing to schedule: the form holds the live text.")
    return ScheduledUpdate.objects.create(
        post=post, fields=changes, apply_at=apply_at, created_by=user
    )


def scheduled_update_cancel(*, update: ScheduledUpdate, user) -> bool:
    """Cancel a pending update; False if it was applied or cancelled already."""
    if not permissions.can_change(user, update.post):
        raise ScheduleRefused("You may not change this post.")
    return bool(ScheduledUpdate.objects.pending().filter(pk=update.pk).update(cancelled=True))


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    """The stored JSON as `post_update` takes it (a deleted category or cover: none; a
    deleted tag: left out; a deleted author: the field is left as it is)."""
    data = {}
    for name, value in fields.items():
        if name == "tags":
            data[name] = list(Tag.objects.filter(pk__in=value))
        elif Post._meta.get_field(name).is_relation:
            model = Post._meta.get_field(name).related_model
            found = model.objects.filter(pk=value).first() if value is not None else None
            if found is not None or name != "author":
                data[name] = found
        else:
            data[name] = value
    return data


def _refusal(user, post: Post) -> str:
    """Why a due update may not be applied now ("" when it may)."""
    if user is None or not user.is_active:
        return "its writer's account is gone or deactivated"
    if not can_schedule(user, post):
        return "its writer may no longer change the post"
    if not post.is_public:
        return f"the post is {post.state}, no longer published"
    return ""


def _apply(update_id: int, now: datetime) -> bool:
    with transaction.atomic():
        update = (
            ScheduledUpdate.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(pk=update_id)
            .first()
        )
        if update is None:
            return False  # another sweep has it, or it was cancelled or applied
        post = Post.all_kinds.get(pk=update.post_id)
        user = update.created_by
        refusal = _refusal(user, post)
        if refusal:
            # Checked again at its time, not only when it was scheduled: its writer may
            # have lost the right (a co-author removed, a role taken away) or the post
            # left public view (unpublished, expired) and is being reworked.
            update.cancelled = True
            update.save(update_fields=["cancelled"])
            logger.warning(
                "scheduled update %s of post %s cancelled: %s", update.pk, post.pk, refusal
            )
            return False
        with reversion.create_revision():
            post_update(post=post, data=_values(update.fields), user=user, only_given=True)
            reversion.set_user(user)
            who = user.public_name if user is not None else "someone since removed"
            reversion.set_comment(
                f"{COMMENT} (scheduled by {who} on {format_moment(update.created_at)})"
            )
        update.applied_at = timezone.now()
        update.save(update_fields=["applied_at"])
    logger.info("applied scheduled update %s of post %s", update.pk, update.post_id)
    return True


def apply_due_updates(*, now: datetime | None = None) -> list[int]:
    """Apply every pending update whose time has come; returns their ids. One that fails
    is logged, left pending and tried again by the next sweep."""
    now = now or timezone.now()
    applied: list[int] = []
    tried: set[int] = set()
    while True:
        ids = list(
            ScheduledUpdate.objects.due(now)
            .exclude(pk__in=tried)
            .order_by("apply_at", "pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            return applied
        for update_id in ids:
            tried.add(update_id)
            try:
                if _apply(update_id, now):
                    applied.append(update_id)
            except Exception:
                logger.exception("scheduled update %s could not be applied", update_id)
