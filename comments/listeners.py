"""Side effects of comment events that belong to moderation: the notification mails."""

from __future__ import annotations

from core.tasks import enqueue_on_commit

from . import tasks


def comment_approved(sender, comment, **kwargs) -> None:
    """A comment became visible: its mails go from the worker once the write commits."""
    enqueue_on_commit(tasks.notify_comment, comment.pk)
