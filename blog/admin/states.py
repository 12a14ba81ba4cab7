"""The words, colours and buttons of a post's state in the admin, in one place.

A post is Draft, In review, Scheduled, Published or Expired (`Post.state`). Every admin screen
shows that state with `state_badge`, and the post form offers only the buttons the
writer's role allows on the post's current state (`available_actions`). Which role may
do what is decided by `blog.permissions`; this module only maps it to buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from .. import permissions
from ..models import Post

State = Post.State


@dataclass(frozen=True)
class Action:
    """A submit button of the post form: `name` is posted as `_action`."""

    name: str
    label: str
    status: str | None  # the status it saves; None keeps the stored one
    primary: bool = False


SAVE_DRAFT = Action("draft", "Save draft", Post.Status.DRAFT)
# In review, saving keeps it there: leaving the queue is its own, named button.
SAVE_CHANGES = Action("save", "Save changes", None)
WITHDRAW = Action("withdraw", "Withdraw from review", Post.Status.DRAFT)
SUBMIT = Action("review", "Submit for review", Post.Status.REVIEW, primary=True)
PUBLISH = Action("publish", "Publish now", Post.Status.PUBLISHED, primary=True)
SCHEDULE = Action("schedule", "Schedule…", Post.Status.PUBLISHED)
UPDATE = Action("update", "Update", None, primary=True)
UNPUBLISH = Action("unpublish", "Unpublish", Post.Status.DRAFT)
RETURN = Action("return", "Return to writer", Post.Status.DRAFT)

ACTIONS = {
    action.name: action
    for action in (
        SAVE_DRAFT, SAVE_CHANGES, SUBMIT, PUBLISH, SCHEDULE, UPDATE, UNPUBLISH, WITHDRAW, RETURN
    )
}  # fmt: skip


def available_actions(user, post: Post | None) -> list[Action]:
    """The buttons `user` gets on `post` (None: a new post), in the order shown.

    A post in review stays in review when its writer or an editor saves it ("Save
    changes"); it leaves the queue only by a button that says so: "Withdraw from review"
    (its writer, or an editor; back to draft, no one is mailed) or an editor's "Return to
    writer" (with a note the writer is mailed).
    """
    state = post.state if post is not None and post.pk else State.DRAFT
    publisher = permissions.can_publish(user)
    if state == State.DRAFT:
        return [SAVE_DRAFT, *((PUBLISH, SCHEDULE) if publisher else (SUBMIT,))]
    if state == State.IN_REVIEW:
        reviewer = permissions.can_review(user)
        actions = [SAVE_CHANGES, *((PUBLISH, SCHEDULE) if publisher else ())]
        if reviewer or post.is_listed_author(user):
            actions.append(WITHDRAW)
        if reviewer:
            actions.append(RETURN)
        return actions
    if not publisher:
        return []
    if state == State.SCHEDULED:
        return [UPDATE, PUBLISH, UNPUBLISH]
    return [UPDATE, UNPUBLISH]


def zone_name(moment: datetime) -> str:
    """A short zone name for `moment` in the current zone: "CET", "EST", "UTC"."""
    return timezone.localtime(moment).strftime("%Z") or str(timezone.get_current_timezone())


def format_moment(moment: datetime) -> str:
    """`2026-12-01 09:00 CET`: a time as the editor reads it, always with its zone."""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {zone_name(moment)}"


def state_badge(post: Post) -> SafeString:
    """The state as a coloured label (colours in static/editor/editor.css)."""
    state = State(post.state)
    return format_html('<span class="state-badge state-{}">{}</span>', state.value, state.label)


def state_when(post: Post) -> str:
    """When it goes or went public; for drafts and posts in review, when last edited."""
    if post.state in (State.SCHEDULED, State.PUBLISHED):
        prefix = "for " if post.state == State.SCHEDULED else ""
        until = f", until {format_moment(post.expires_at)}" if post.expires_at else ""
        return prefix + format_moment(post.published_at) + until
    if post.state == State.EXPIRED:
        return f"expired {format_moment(post.expires_at)}"
    if timezone.now() - post.updated_at < timedelta(minutes=1):
        return "edited just now"  # not "0 minutes ago"
    return f"edited {timesince(post.updated_at)} ago"
