"""Members and comments for the moderation, spam and notification tests (written straight
to the model: the comments' write service belongs to another part of issue 32)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from comments.models import Comment
from members.models import Member

_numbers = itertools.count(1)


def make_member(email: str | None = None, name: str = "") -> Member:
    n = next(_numbers)
    return Member.objects.create(
        email=email or f"member{n}@example.com",
        name=name or f"Member {n}",
        status=Member.Status.ACTIVE,
        confirmed_at=timezone.now(),
    )


def make_comment(
    post,
    member: Member | None = None,
    body: str = "",
    status: str = Comment.Status.PENDING,
    parent: Comment | None = None,
    minutes_ago: float = 0,
) -> Comment:
    member = member if member is not None else make_member()
    created = timezone.now() - timedelta(minutes=minutes_ago)
    return Comment.objects.create(
        post=post,
        member=member,
        author_name=member.name,
        author_email=member.email,
        body=body or f"A thought, number {next(_numbers)}.",
        status=status,
        parent=parent,
        created_at=created,
        approved_at=created if status == Comment.Status.APPROVED else None,
    )
