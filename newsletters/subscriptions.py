"""Who receives which newsletter: the one place that adds and removes subscriptions.

    subscribe(member, newsletters)         # adds, keeps what is there (idempotent)
    set_subscriptions(member, newsletters) # exactly these, afterwards
    subscribe_to_defaults(member)          # the active newsletters new members get
    forget_deliveries(member)              # blanks the address on their deliveries

`member` is a `members.Member`; this app never imports `members` (the layers), it only
follows the lazy foreign keys. Archived newsletters (`active=False`) are never added:
they send nothing, and a member cannot tick them on the account page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Delivery, Newsletter, Subscription


def subscribe(member, newsletters: Iterable[Newsletter]) -> int:
    """Subscribe `member` to each active newsletter of `newsletters`; returns how many
    subscriptions are new. Safe to repeat and to race (`ignore_conflicts` on the unique
    pair)."""
    wanted = {n.pk for n in newsletters if n.active}
    if not wanted:
        return 0
    have = set(
        Subscription.objects.filter(member=member, newsletter__in=wanted).values_list(
            "newsletter_id", flat=True
        )
    )
    Subscription.objects.bulk_create(
        [Subscription(member=member, newsletter_id=pk) for pk in sorted(wanted - have)],
        ignore_conflicts=True,
    )
    return len(wanted - have)


def set_subscriptions(member, newsletters: Iterable[Newsletter]) -> tuple[int, int]:
    """Leave `member` subscribed to exactly the active ones of `newsletters`; returns
    (added, removed). Subscriptions to archived newsletters are left as they are (the
    member could not see them to untick them)."""
    chosen = [n for n in newsletters if n.active]
    with transaction.atomic():
        removed, _ = (
            Subscription.objects.filter(member=member, newsletter__active=True)
            .exclude(newsletter__in=[n.pk for n in chosen])
            .delete()
        )
        added = subscribe(member, chosen)
    return added, removed


def subscribe_to_defaults(member) -> int:
    """What a member gets on confirmation: every active newsletter `subscribe_by_default`."""
    return subscribe(member, Newsletter.objects.filter(active=True, subscribe_by_default=True))


def forget_deliveries(member) -> int:
    """Blank the address on `member`'s deliveries before the member row is deleted (its
    foreign key then goes NULL): the counts of each issue stay, who received it does not.
    Call it in the deleting transaction."""
    return Delivery.objects.filter(member=member).update(email="")
