"""A member's sign-in, kept in Django's session (the same cookie staff use).

The session holds the member's id and their `session_epoch` at sign-in; "sign out
everywhere" raises the epoch, so every other session stops matching.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import Member

SESSION_MEMBER = "member_id"
SESSION_EPOCH = "member_epoch"


def member_from_session(request: HttpRequest) -> Member | None:
    member_id = request.session.get(SESSION_MEMBER)
    if member_id is None:
        return None
    member = Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).first()
    if member is None or member.session_epoch != request.session.get(SESSION_EPOCH):
        forget(request)
        return None
    return member


def remember(request: HttpRequest, member: Member) -> None:
    """Sign `member` in on this browser (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_MEMBER] = member.pk
    request.session[SESSION_EPOCH] = member.session_epoch
    request.member = member


def forget(request: HttpRequest) -> None:
    """Sign the member out of this browser (a staff sign-in in it stays)."""
    request.session.pop(SESSION_MEMBER, None)
    request.session.pop(SESSION_EPOCH, None)
    request.member = None
