"""The member writes the admin, the API and the CSV import share, until `members.services`
(written alongside, issue 31) takes them over: the lead points these names at it on merge.

    create_member(email=..., name=..., source=..., confirmed=...) -> (member, created)
    delete_member(member)

Both send the members app's domain signals (`members.events`) inside the write's
transaction, as every write must; nothing here sends mail.
Addresses are checked and stored as `newsletters.addresses` says (re-exported here).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from newsletters.addresses import EMAIL_PATTERN, is_valid_email, normalise_email

from . import events
from .models import Member

__all__ = ["EMAIL_PATTERN", "create_member", "delete_member", "is_valid_email", "normalise_email"]


def create_member(
    *, email: str, name: str = "", source: str, confirmed: bool, note: str = ""
) -> tuple[Member, bool]:
    """The member with `email`, created (and `member_created` sent) if there is none.

    `confirmed`: the source vouches for the address (an import, an editor), so the member
    is active at once; otherwise they wait for their confirmation link.
    """
    email = normalise_email(email)
    existing = Member.objects.filter(email=email).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            member = Member.objects.create(
                email=email,
                name=name.strip(),
                note=note,
                source=source,
                status=Member.Status.ACTIVE if confirmed else Member.Status.PENDING,
                confirmed_at=now if confirmed else None,
            )
            events.member_created.send(sender=Member, member=member)
    except IntegrityError:  # the same address, created by another request meanwhile
        return Member.objects.get(email=email), False
    return member, True


def delete_member(member: Member) -> None:
    """Delete `member` for good; `member_deleted` is sent first, with its data readable.

    Deliveries keep their count, not who they were (`Delivery.member` is SET_NULL): their
    address is blanked here too.
    """
    from newsletters.models import Delivery

    with transaction.atomic():
        events.member_deleted.send(sender=Member, member=member)
        Delivery.objects.filter(member=member).update(email="")
        member.delete()
