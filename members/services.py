"""Every write to members: sign-up, links, confirmation, sign-in, deletion.

    create_member(email=, name=, source=, confirmed=)  # (member, created): everyone's way in
    sign_up(email, name, client_ip, next_url=)  # the form: a confirmation or sign-in link
    request_sign_in(email, client_ip, next_url=)  # the sign-in form: the same, no name
    issue_link(email=, name=, request_key=)  # in the mail task: which link, made once
    open_link(token) / use_link(token)    # the e-mailed link: look (GET), consume (POST)
    confirm(link)                         # a confirmation link's effect: the member is active
    update_account(member, name=, newsletters=)  # the account form
    sign_out_everywhere(member)           # every session and unused link of theirs ends
    delete_member(member)                 # really deleted; deliveries anonymised
    delete_unconfirmed_signups()          # beat, daily: sign-ups never confirmed, forgotten

The domain signals of `members.events` are sent from here, inside the writing
transaction. `member_created` announces a member: one made by an editor, the API or an
import at once; one from the sign-up form only when its address is confirmed (a pending
sign-up is an address someone typed, perhaps not its owner: nobody is told of it, and
`delete_unconfirmed_signups` forgets it after `UNCONFIRMED_DAYS`).

A sign-up or sign-in request only counts its rate limits and sends one task after
commit (`members.tasks.mail_link`), which looks the address up, makes the link and mails
it: the request's answer and its time never depend on whether the address was
known (no enumeration).

Links: a `secrets.token_urlsafe(32)` token in the mail, only its SHA-256 in the database
(`SignInLink.token_hash`): a copy of the database signs no one in. Used once (`used_at`,
set by a conditional UPDATE: of two concurrent uses exactly one changes the row, on
PostgreSQL and on SQLite alike), for a short time, and only for the address it was sent
to (docs/members.md says why a stored row rather than django-sesame).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.tasks import enqueue_on_commit
from newsletters.addresses import normalise_email
from newsletters.models import Subscription
from newsletters.subscriptions import (
    forget_deliveries,
    set_subscriptions,
    subscribe_to_defaults,
)

from . import events, limits
from .models import Member, SignInLink

RateLimited = limits.RateLimited
logger = logging.getLogger(__name__)

# A sign-up nobody confirmed is forgotten this many days after it was made.
UNCONFIRMED_DAYS = 7


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_member(
    *, email: str, name: str = "", source: str, confirmed: bool, note: str = ""
) -> tuple[Member, bool]:
    """The member with `email`, created if there is none: (member, created).

    Sends `member_created` for a new row, but for a sign-up (`Member.Source.SIGNUP`),
    which is announced when it is confirmed (`activate`); with `confirmed`, activates a
    pending member (new or not) and sends `member_confirmed`, which subscribes them to
    the newsletters new members get (`Newsletter.subscribe_by_default`). An existing
    member's name is never changed here: whoever types an address is not necessarily its
    owner.
    """
    email = normalise_email(email)
    with transaction.atomic():
        member = Member.objects.filter(email=email).first()
        created = False
        if member is None:
            try:
                with transaction.atomic():  # a concurrent sign-up of the same address
                    member = Member.objects.create(
                        email=email, name=name.strip(), source=source, note=note
                    )
                created = True
            except IntegrityError:
                member = Member.objects.get(email=email)
        if confirmed and member.status == Member.Status.PENDING:
            activate(member, new=created)  # announced as it is now: active
        elif created and member.source != Member.Source.SIGNUP:
            events.member_created.send(sender=Member, member=member)
    return member, created


def activate(member: Member, *, new: bool = False) -> None:
    """A pending member becomes active (confirmed); `member_confirmed` is sent and they
    get the default newsletters. A sign-up is announced now (`member_created`, as
    active): until its address was confirmed it was not a member; so is a member made
    just now (`new`, from `create_member`). Nothing for a member already active."""
    now = timezone.now()
    updated = Member.objects.filter(pk=member.pk, status=Member.Status.PENDING).update(
        status=Member.Status.ACTIVE, confirmed_at=now
    )
    member.status, member.confirmed_at = Member.Status.ACTIVE, member.confirmed_at or now
    if updated:
        subscribe_to_defaults(member)
        if new or member.source == Member.Source.SIGNUP:
            events.member_created.send(sender=Member, member=member)
        events.member_confirmed.send(sender=Member, member=member)


def announced(member: Member) -> bool:
    """Whether `member_created` was sent for `member` (a pending sign-up never was)."""
    return member.source != Member.Source.SIGNUP or member.status == Member.Status.ACTIVE


def issue_link(*, email: str, name: str, request_key: str) -> tuple[SignInLink, str] | None:
    """In the mail task: the link one sign-up or sign-in request asked for, and its token.

    A fresh confirmation link to a new or pending member (a new one is created, pending
    and nameless: the typed `name` waits on the link, `confirm` applies it), a sign-in
    link to an active one. None if this request's link exists already (the task was
    delivered again: at most one mail per request). The link is recorded as sent
    (`sent_at`) before the send; `members.tasks.mail_link` deletes it again only if the
    mail server definitely did not take the message, so that a retry issues another.
    """
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            if SignInLink.objects.filter(request_key=request_key).exists():
                return None
            member, _ = create_member(email=email, source=Member.Source.SIGNUP, confirmed=False)
            if member.status == Member.Status.ACTIVE:
                purpose = SignInLink.Purpose.SIGN_IN
                lifetime = timedelta(minutes=settings.MEMBERS_SIGN_IN_LINK_MINUTES)
            else:
                purpose = SignInLink.Purpose.CONFIRM
                lifetime = timedelta(hours=settings.MEMBERS_CONFIRM_LINK_HOURS)
            now = timezone.now()
            link = SignInLink.objects.create(
                member=member,
                email=member.email,
                purpose=purpose,
                token_hash=token_hash(token),
                expires_at=now + lifetime,
                request_key=request_key,
                sent_at=now,
                name=name.strip() if purpose == SignInLink.Purpose.CONFIRM else "",
            )
    except IntegrityError:  # the same request's task, running twice at once
        return None
    return link, token


def _ask_for_a_link(email: str, name: str, next_url: str) -> None:
    """Everything a request does, whoever the address is: one task after commit, which
    decides what to mail (`issue_link`). The request reads and writes no member row, so
    neither its answer nor its timing can say whether the address is a member's, and the
    link's token is made in the worker: it never travels through the broker.

    Without a broker (`make run`: tasks run in-process) the task would run inside the
    request after its commit, and a new address (a member row made) would take longer
    than a known one: with `MEMBERS_LINK_MAIL_IN_BACKGROUND` (on exactly then) it runs in
    a thread of its own after the commit, and the request returns without waiting.
    """
    from .tasks import mail_link

    args = (email, name, uuid.uuid4().hex, next_url)
    if settings.MEMBERS_LINK_MAIL_IN_BACKGROUND:
        transaction.on_commit(lambda: _in_background(mail_link, args), robust=True)
    else:
        enqueue_on_commit(mail_link, *args)


def _in_background(task, args: tuple) -> threading.Thread:
    """Run `task(*args)` in-process (eagerly, retries included) in a daemon thread, with
    the thread's own database connection, closed when it is done."""

    def run() -> None:
        try:
            result = task.apply(args=args, throw=False)
            if result.failed():
                logger.warning("%s failed: %r", task.name, result.result)
        except Exception:  # a retry's own eager run propagates (CELERY_TASK_EAGER_PROPAGATES)
            logger.exception("%s failed", task.name)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"{task.name} (in-process)", daemon=True)
    thread.start()
    return thread


def sign_up(email: str, name: str, client_ip: str, next_url: str = "") -> None:
    """The sign-up form (footer or /members/). Raises `RateLimited` over the limits.

    Known or not, pending or active: one mail (a confirmation, or a sign-in link for an
    active member); an existing member is never changed. `next_url` (checked by the
    view) is where the link's page sends the reader once signed in.
    """
    email = normalise_email(email)
    limits.count_mail_request(email, client_ip)
    _ask_for_a_link(email, name.strip(), next_url)


def request_sign_in(email: str, client_ip: str, next_url: str = "") -> None:
    """The sign-in form. An unknown address is treated as a sign-up (a confirmation
    mail, which also signs in): someone who asks to sign in wants to be a member, and
    answering differently for unknown addresses would tell who is one."""
    email = normalise_email(email)
    limits.count_mail_request(email, client_ip)
    _ask_for_a_link(email, "", next_url)


def open_link(token: str) -> SignInLink | None:
    """The link `token` names, if it can still be used (for the GET page: nothing is
    consumed, mail scanners may fetch it)."""
    link = SignInLink.objects.select_related("member").filter(token_hash=token_hash(token)).first()
    return link if link is not None and usable(link) else None


def usable(link: SignInLink) -> bool:
    """Unused, unexpired, and the member's address is still the one it was sent to."""
    return (
        link.used_at is None
        and link.expires_at > timezone.now()
        and link.member.email == link.email
    )


def use_link(token: str) -> Member | None:
    """Consume the link and return the member to sign in, confirming a sign-up first;
    None if it cannot be used.

    Once: `used_at` is set by `UPDATE … WHERE used_at IS NULL AND expires_at > now`, and
    only the use whose UPDATE changed the row goes on (a lock would not do: SQLite
    ignores `select_for_update`)."""
    with transaction.atomic():
        found = SignInLink.objects.select_related("member").filter(token_hash=token_hash(token))
        link = found.first()
        if link is None or not usable(link):
            return None
        now = timezone.now()
        won = SignInLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if won != 1:
            return None
        link.used_at = now
        member = confirm(link) if link.purpose == SignInLink.Purpose.CONFIRM else link.member
        if member.status != Member.Status.ACTIVE:
            return None
        Member.objects.filter(pk=member.pk).update(last_seen_at=now)
        member.last_seen_at = now
        return member


def confirm(link: SignInLink) -> Member:
    """A confirmation link was used: its member is active (a second confirmation of an
    active member just signs them in), and takes the name typed with this sign-up if
    they have none: only now is it the address's owner who chose it."""
    member = link.member
    if link.name and not member.name:
        member.name = link.name
        Member.objects.filter(pk=member.pk, name="").update(name=link.name)
    activate(member)
    return member


def sign_out_everywhere(member: Member) -> None:
    """Every session of `member` stops matching (`members.sessions`), and every link
    mailed to them and not used yet stops working (a sign-in link in a mailbox someone
    else reads would sign them in again)."""
    now = timezone.now()
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(session_epoch=F("session_epoch") + 1)
        SignInLink.objects.filter(member=member, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
    member.refresh_from_db(fields=["session_epoch"])


def update_account(member: Member, *, name: str, newsletters) -> None:
    """The account form: the member's name and exactly these newsletters, together."""
    with transaction.atomic():
        member.name = name.strip()
        member.save(update_fields=["name"])
        set_subscriptions(member, newsletters)


def delete_member(member: Member) -> None:
    """Delete the member for good: `member_deleted` first (listeners still read the row;
    not for a sign-up never confirmed, which nobody was told of), their deliveries'
    addresses blanked, then the row (subscriptions and links cascade; deliveries keep
    their counts with no member)."""
    with transaction.atomic():
        if announced(member):
            events.member_deleted.send(sender=Member, member=member)
        forget_deliveries(member)
        member.delete()


def delete_unconfirmed_signups() -> int:
    """Forget sign-ups nobody confirmed: pending members from the sign-up form made more
    than `UNCONFIRMED_DAYS` ago, never confirmed, with no link that still works. They
    were never announced (`member_created` waits for confirmation), so no event is sent.
    Returns how many were deleted. Members an editor, the API or an import made pending
    are theirs to keep."""
    now = timezone.now()
    live_links = SignInLink.objects.filter(used_at__isnull=True, expires_at__gt=now)
    stale = Member.objects.filter(
        status=Member.Status.PENDING,
        source=Member.Source.SIGNUP,
        confirmed_at__isnull=True,
        created_at__lt=now - timedelta(days=UNCONFIRMED_DAYS),
    ).exclude(pk__in=live_links.values("member_id"))
    _, per_model = stale.delete()
    return per_model.get(Member._meta.label, 0)


def member_data(member: Member) -> dict:
    """Everything kept about `member`, for "export my data": the member row (but the
    editors' note), subscriptions, deliveries and the dates of their links (never a
    token's hash), and the sections other apps add (`events.member_data_requested`).
    Times in ISO 8601, UTC."""

    def when(value):
        return value.isoformat() if value is not None else None

    subscriptions = Subscription.objects.filter(member=member).select_related("newsletter")
    deliveries = member.deliveries.select_related("issue").order_by("pk")
    data = {
        "member": {
            "email": member.email,
            "name": member.name,
            "status": member.status,
            "source": member.source,
            "created_at": when(member.created_at),
            "confirmed_at": when(member.confirmed_at),
            "last_seen_at": when(member.last_seen_at),
            "email_disabled_at": when(member.email_disabled_at),
            "email_disabled_reason": member.email_disabled_reason,
        },
        "subscriptions": [
            {
                "newsletter": s.newsletter.name,
                "slug": s.newsletter.slug,
                "since": when(s.created_at),
            }
            for s in subscriptions.order_by("newsletter__order", "newsletter__name")
        ],
        "deliveries": [
            {
                "issue": d.issue.subject,
                "email": d.email,
                "status": d.status,
                "sent_at": when(d.sent_at),
            }
            for d in deliveries
        ],
        "sign_in_links": [
            {
                "purpose": link.purpose,
                "email": link.email,
                "created_at": when(link.created_at),
                "expires_at": when(link.expires_at),
                "sent_at": when(link.sent_at),
                "used_at": when(link.used_at),
            }
            for link in member.links.order_by("created_at", "pk")
        ],
    }
    # What other apps keep about them (comments...): `member_data_requested`'s receivers.
    for _receiver, sections in events.member_data_requested.send(sender=Member, member=member):
        data.update(sections or {})
    return data | {"exported_at": when(timezone.now())}
