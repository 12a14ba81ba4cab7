"""Sending an issue: list its recipients, then send in batches, each member at most once.

    issue_for_post(post)        # the post's Issue, created once ever (None: not e-mailed)
    list_recipients(issue)      # a pending Delivery per subscribed member who takes mail
    send_batch(issue_id)        # claim a batch, send it through one connection, record each
    issue_finish(issue_id)      # every delivery has an outcome: sent, `newsletter_sent` once
    reconcile()                 # dead workers' claims → uncertain; lost messages; finishing

**At most once.** A delivery row exists (pending) before anything is sent, unique per issue
and member. A run *reserves* a batch (`claimed_at` set, still pending, committed), then
for each message *claims* that one row (pending → sending, one committed UPDATE), sends
it, and writes its outcome right after (sent, back to pending for a retry, failed). A
claimed row is never sent again by anyone: if the worker dies between the claim and the
outcome, the reconciler finds it `sending` for longer than
`NEWSLETTER_CLAIM_LEASE_SECONDS` and marks it `uncertain`. So a redelivered task, a
second task for the same issue or a retry only ever take *pending* rows, and a run
killed mid-send leaves at most **one** uncertain delivery (the message it was handing to
the server, which may or may not have arrived; a worker process runs one at a time);
the rest of its reserved batch was never tried and goes back to the pool when its
reservation lapses (same lease).

**Rate.** One task run sends one batch (`NEWSLETTER_BATCH_SIZE`) through one connection
of the configured backend (`get_connection()`: SMTP, or any django-anymail provider),
then the task sends itself again, so a big issue never holds a worker for minutes.
`NEWSLETTER_SENDERS` such chains (2) work on an issue at once, each at
`NEWSLETTER_SEND_RATE / NEWSLETTER_SENDERS` messages per second; their batches never
overlap (reserved with SKIP LOCKED).

**Frozen, and stopped when taken down.** The first batch renders the e-mail and stores
it on the issue (`Issue.frozen_mail`); every later batch sends that, whatever the post
became. Each batch (and the reconciler) first checks that the post is still public: if
it was unpublished, expired or deleted, what is left is `cancelled`. Each message's
claim also checks that the member still takes the mail (else `cancelled`).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
import urllib3
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import DNS_NAME, get_connection, make_msgid
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from blog.models import Post

from .events import newsletter_sent
from .mail import RenderedIssue, render_issue
from .models import Delivery, Issue, Newsletter, Subscription

logger = logging.getLogger(__name__)

LIST_CHUNK = 1000  # subscriptions read and deliveries written per statement
MAX_BACKOFF_SECONDS = 3600
# A batch stops taking new messages after this long (well under the soft time limit);
# what it did not try goes back to pending for the next run.
BATCH_DEADLINE_SECONDS = 60
OPEN = (Delivery.Status.PENDING, Delivery.Status.SENDING)


# --- Issues ---------------------------------------------------------------------------


def issue_for_post(post: Post) -> tuple[Issue | None, bool]:
    """The post's issue and whether it was created now. None if the post is not to be
    e-mailed (no newsletter, an archived one, a digest's, or not a post). At most one
    issue per post, ever (a one-to-one): a re-publish or a newsletter chosen later finds
    the first one and sends nothing."""
    newsletter = post.newsletter
    if (
        newsletter is None
        or not newsletter.active
        or newsletter.cadence != Newsletter.Cadence.POST
        or post.kind != Post.Kind.POST
    ):
        return None, False
    with transaction.atomic():  # a savepoint: a lost race ends in get(), not an error
        return Issue.objects.get_or_create(
            post=post, defaults={"newsletter": newsletter, "subject": post.title[:300]}
        )


def recipients(newsletter_id: int):
    """Subscriptions of members who receive mail (confirmed, address not disabled)."""
    return Subscription.objects.filter(
        newsletter_id=newsletter_id,
        member__status="active",
        member__email_disabled_at__isnull=True,
    )


def list_recipients(issue: Issue) -> int:
    """Write a pending delivery for every member who receives the issue's newsletter, in
    chunks of `LIST_CHUNK` (constant memory whatever the list's size), then mark the issue
    `sending`. Safe to run again or twice at once: (issue, member) is unique and conflicts
    are ignored. Returns the number of subscriptions walked."""
    walked = 0
    after = 0
    while True:
        chunk = list(
            recipients(issue.newsletter_id)
            .filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "member_id", "member__email")[:LIST_CHUNK]
        )
        if not chunk:
            break
        Delivery.objects.bulk_create(
            [Delivery(issue_id=issue.pk, member_id=m, email=email) for _, m, email in chunk],
            ignore_conflicts=True,
        )
        walked += len(chunk)
        after = chunk[-1][0]
    Issue.objects.filter(pk=issue.pk, status=Issue.Status.QUEUED).update(
        status=Issue.Status.SENDING
    )
    issue.status = Issue.Status.SENDING
    return walked


def issue_finish(issue_id: int) -> bool:
    """Mark the issue sent if every delivery has an outcome; `newsletter_sent` is sent by
    the one caller whose conditional UPDATE wins (so once)."""
    open_deliveries = Delivery.objects.filter(issue=OuterRef("pk"), status__in=OPEN)
    with transaction.atomic():
        won = (
            Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING)
            .exclude(Exists(open_deliveries))
            .update(status=Issue.Status.SENT, finished_at=timezone.now())
        )
        if won:
            issue = Issue.objects.get(pk=issue_id)
            newsletter_sent.send(sender=Issue, issue=issue)
            logger.info("newsletter issue %s sent: %s", issue_id, issue)
    return bool(won)


# --- Sending --------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What one run did: claimed/sent/retry/failed/uncertain counts, and what is left."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0
    released: int = 0
    cancelled: int = 0
    due_left: bool = False  # pending deliveries due now: send again at once
    next_due: float | None = None  # else seconds until the next retry is due, if any
    finished: bool = False


def due(now, prefix: str = "") -> Q:
    """Deliveries whose (re)try is due at `now` (`prefix`: "deliveries__" from an issue)."""
    return Q(**{f"{prefix}next_attempt_at__isnull": True}) | Q(
        **{f"{prefix}next_attempt_at__lte": now}
    )


def _reserve(issue_id: int, size: int) -> list[int]:
    """Reserve a batch: pending, due, unreserved deliveries get `claimed_at` (still
    pending), committed. Rows another run has locked are skipped, so two runs never
    reserve the same ones; a dead run's reservations are released by the reconciler."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(
                due(now), issue_id=issue_id, status=Delivery.Status.PENDING, claimed_at=None
            )
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
                claimed_at=now
            )
    return ids


def _claim_one(delivery: Delivery, newsletter_id: int) -> str:
    """pending → sending for this one delivery, committed, just before its send. From
    here until its outcome is written, nobody sends it again: should the worker die in
    between, it becomes `uncertain`.

    The same UPDATE checks that the member still takes the mail (confirmed, address not
    disabled by a bounce or complaint, still subscribed, not deleted): the recipients
    were listed when the issue started, maybe an hour ago. If not, the delivery is
    `cancelled` (a second UPDATE, only then). `SKIPPED`: someone else took it."""
    now = timezone.now()
    pending = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.PENDING)
    still_subscribed = Subscription.objects.filter(
        member_id=OuterRef("member_id"), newsletter_id=newsletter_id
    )
    taken = pending.filter(
        Exists(still_subscribed),
        member__status="active",
        member__email_disabled_at__isnull=True,
    ).update(status=Delivery.Status.SENDING, claimed_at=now)
    if taken:
        return _Outcome.CLAIMED
    if pending.update(status=Delivery.Status.CANCELLED, claimed_at=None, error=LEFT):
        return _Outcome.CANCELLED
    return _Outcome.SKIPPED


TAKEN_DOWN = "the post was taken down before it reached them"
LEFT = "the member unsubscribed, bounced or was deleted before it was sent"


class _Outcome:
    SENT, RETRY, FAILED, UNCERTAIN = "sent", "retry", "failed", "uncertain"
    SKIPPED = "skipped"  # taken by another run meanwhile: not ours to send
    CANCELLED = "cancelled"  # the member no longer takes the mail: never sent
    CLAIMED = "claimed"  # (a claim's answer) ours to send now


def _classify(error: Exception) -> tuple[str, bool]:
    """(outcome, connection broken) of a send that raised `error`.

    Anymail's errors come first: its HTTP errors are also `requests` exceptions, hence
    `OSError`s, and must not be mistaken for a dropped SMTP connection. Whatever may have
    reached the server (a lost answer, a connection dropped after the message was handed
    over) is `uncertain` and never sent again; only what surely did not is retried.
    """
    if isinstance(error, AnymailRecipientsRefused):
        return _Outcome.FAILED, False
    if isinstance(error, AnymailAPIError):
        status = error.status_code
        if status is None:  # no HTTP answer
            if _never_connected(error):  # refused, or no connection in time: not sent
                return _Outcome.RETRY, True
            return _Outcome.UNCERTAIN, True  # the request went out; its answer was lost
        if status == 429 or status >= 500:  # busy, or their fault: they kept nothing
            return _Outcome.RETRY, False
        return _Outcome.FAILED, False  # 4xx: this message is refused, as it is, for good
    if isinstance(error, AnymailError):  # misconfiguration: retried, an editor will see it
        return _Outcome.RETRY, True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        transient = bool(codes) and all(400 <= code < 500 for code in codes)
        return (_Outcome.RETRY if transient else _Outcome.FAILED), False
    if isinstance(error, smtplib.SMTPConnectError) or _never_connected(error):
        return _Outcome.RETRY, True  # no connection: nothing was handed over
    if isinstance(error, smtplib.SMTPResponseException):  # sender refused, data refused…
        return (_Outcome.RETRY if 400 <= error.smtp_code < 500 else _Outcome.FAILED), False
    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
        # Hung up, reset or timed out on an open connection: the message may have been
        # accepted before the answer was lost. Not sent again.
        return _Outcome.UNCERTAIN, True
    if isinstance(error, smtplib.SMTPException):  # refused before anything was sent
        return _Outcome.RETRY, True
    raise error


_NO_CONNECTION = (
    ConnectionRefusedError,
    socket.gaierror,
    requests.exceptions.ConnectTimeout,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
)


def _never_connected(error: BaseException) -> bool:
    """Whether `error` is, or was caused by, a failure to connect at all (refused, no
    such host, no connection within the timeout): then nothing was sent. Follows the
    causes `requests` and urllib3 wrap (`__cause__`, `args`, a retry error's `reason`)."""
    seen: set[int] = set()
    todo: list[object] = [error]
    while todo and len(seen) < 20:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, _NO_CONNECTION):
            return True
        todo.extend([current.__cause__, getattr(current, "reason", None), *current.args])
    return False


def _retry_at(attempts: int):
    delay = settings.NEWSLETTER_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timezone.now() + timedelta(seconds=min(delay, MAX_BACKOFF_SECONDS))


def _record(delivery: Delivery, outcome: str, *, message_id: str = "", error: str = "") -> str:
    """Write one delivery's outcome, right after its send (one UPDATE, autocommit)."""
    now = timezone.now()
    rows = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING)
    attempts = delivery.attempts + 1
    if outcome == _Outcome.RETRY and attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        outcome, error = _Outcome.FAILED, f"gave up after {attempts} attempts: {error}"
    if outcome == _Outcome.SENT:
        rows.update(status=Delivery.Status.SENT, sent_at=now, message_id=message_id[:200],
                    attempts=attempts, error="")  # fmt: skip
    elif outcome == _Outcome.RETRY:
        rows.update(status=Delivery.Status.PENDING, attempts=attempts, claimed_at=None,
                    next_attempt_at=_retry_at(attempts), error=error[:500])  # fmt: skip
    elif outcome == _Outcome.FAILED:
        rows.update(status=Delivery.Status.FAILED, attempts=attempts, error=error[:500])
    else:
        rows.update(status=Delivery.Status.UNCERTAIN, attempts=attempts, error=error[:500])
    return outcome


def _message_id(message) -> str:
    """The provider's id of the sent message (anymail), for its webhooks; else ours."""
    status = getattr(message, "anymail_status", None)
    if status is not None and status.message_id:
        return str(status.message_id)
    return str(message.extra_headers.get("Message-ID", ""))


def _send_one(
    connection, rendered: RenderedIssue, delivery: Delivery, *, esp: bool
) -> tuple[str, bool]:
    """Claim one delivery, send it and record its outcome; (outcome, connection broken)."""
    claim = _claim_one(delivery, rendered.issue.newsletter_id)
    if claim != _Outcome.CLAIMED:
        return claim, False
    try:
        message = rendered.message_for(delivery)
        if not esp:  # SMTP & co: our id, kept for the record
            message.extra_headers.setdefault("Message-ID", make_msgid(domain=DNS_NAME))
    except Exception as error:  # nothing was sent: a fault of this message, recorded
        logger.exception("newsletter delivery %s: the message could not be built", delivery.pk)
        _record(delivery, _Outcome.FAILED, error=f"not built: {type(error).__name__}: {error}")
        return _Outcome.FAILED, False
    message.connection = connection
    try:
        connection.send_messages([message])
    except Exception as error:
        try:
            outcome, broken = _classify(error)
        except Exception:  # unknown: it may have gone out, so it is not sent again
            logger.exception("newsletter delivery %s: unexpected error sending", delivery.pk)
            outcome, broken = _Outcome.UNCERTAIN, True
        _record(delivery, outcome, error=f"{type(error).__name__}: {error}")
        return outcome, broken
    status = getattr(message, "anymail_status", None)
    if status is not None and status.status and status.status <= {"rejected", "invalid"}:
        _record(delivery, _Outcome.FAILED, error=f"refused by the provider: {status.status}")
        return _Outcome.FAILED, False
    _record(delivery, _Outcome.SENT, message_id=_message_id(message))
    return _Outcome.SENT, False


def _release(ids: list[int]) -> int:
    """Reserved rows never handed to the backend go back to the pool (not an attempt)."""
    if not ids:
        return 0
    return Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
        claimed_at=None
    )


def send_batch(issue_id: int, *, batch_size: int | None = None, senders: int = 1) -> BatchResult:
    """One task run's work for the issue: list its recipients if not yet done, claim a
    batch and send it, each outcome recorded right after its send; finish the issue when
    nothing is left. `senders`: how many runs share the issue's rate right now."""
    result = BatchResult()
    issue = Issue.objects.select_related("newsletter", "post").filter(pk=issue_id).first()
    if issue is None or issue.status == Issue.Status.SENT:
        return result
    if taken_down(issue):
        result.cancelled = cancel_issue(issue_id, TAKEN_DOWN)
        result.finished = issue_finish(issue_id)
        return result
    if issue.status == Issue.Status.QUEUED:
        list_recipients(issue)
    ids = _reserve(issue_id, batch_size or settings.NEWSLETTER_BATCH_SIZE)
    result.claimed = len(ids)
    if ids:
        _send_claimed(issue, ids, result, senders=max(senders, 1))
    now = timezone.now()
    pending = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.PENDING)
    result.due_left = pending.filter(due(now), claimed_at=None).exists()
    if not result.due_left:
        # Retries waiting (their time: a countdown), another run's batch, or nothing.
        upcoming = (
            pending.filter(next_attempt_at__gt=now)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if upcoming is not None:
            result.next_due = (upcoming - now).total_seconds()
        elif not pending.exists():
            result.finished = issue_finish(issue_id)  # no-op while another run still sends
    return result


def taken_down(issue: Issue) -> bool:
    """Whether the issue's post is no longer public (unpublished, expired, back to
    draft) or was deleted (the issue lost its post and is not a digest)."""
    if issue.post_id is not None:
        return not Post.objects.public().filter(pk=issue.post_id).exists()
    return issue.week is None


def cancel_issue(issue_id: int, reason: str) -> int:
    """Every delivery of the issue not yet tried → `cancelled` with `reason`; the issue
    is then finished as soon as nothing is in flight. Returns how many."""
    cancelled = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED, claimed_at=None, error=reason
    )
    Issue.objects.filter(pk=issue_id, status=Issue.Status.QUEUED).update(
        status=Issue.Status.SENDING
    )
    if cancelled:
        logger.info("newsletter issue %s: %d cancelled: %s", issue_id, cancelled, reason)
    return cancelled


def frozen_rendering(issue: Issue) -> RenderedIssue:
    """The issue's e-mail as its first batch rendered it (`Issue.frozen_mail`): rendered
    and stored once, by whichever run gets there first; every later batch, retry and
    reconciler run sends the very same subject and parts, whatever became of the post."""
    if issue.frozen_mail is None:
        rendered = render_issue(issue)
        frozen = rendered.frozen()
        if Issue.objects.filter(pk=issue.pk, frozen_mail__isnull=True).update(frozen_mail=frozen):
            issue.frozen_mail = frozen
            return rendered
        # Another run stored its rendering first: send that one.
        issue.frozen_mail = Issue.objects.values_list("frozen_mail", flat=True).get(pk=issue.pk)
    return RenderedIssue.from_frozen(issue, issue.frozen_mail)


def _send_claimed(issue: Issue, ids: list[int], result: BatchResult, *, senders: int) -> None:
    rendered = frozen_rendering(issue)
    deliveries = list(Delivery.objects.filter(pk__in=ids).order_by("pk"))
    rate = settings.NEWSLETTER_SEND_RATE
    interval = senders / rate if rate > 0 else 0  # the issue's rate, shared by its senders
    started = time.monotonic()
    connection = get_connection()
    esp = hasattr(connection, "esp_name")  # an anymail backend: the provider's ids
    # Django's SMTP backend only asks a message for its bytes: filled in, not rebuilt.
    tried = 0
    try:
        connection.open()
    except Exception as error:  # the server is away: nothing was sent, all go back
        logger.warning("newsletter issue %s: cannot connect to send: %r", issue.pk, error)
        _postpone(ids, error)
        result.released = _release(ids)
        return
    try:
        for index, delivery in enumerate(deliveries):
            if time.monotonic() - started > BATCH_DEADLINE_SECONDS:
                break
            wait = started + index * interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            outcome, broken = _send_one(connection, rendered, delivery, esp=esp)
            tried += 1
            if outcome == _Outcome.SKIPPED:
                continue
            setattr(result, _COUNTER[outcome], getattr(result, _COUNTER[outcome]) + 1)
            if broken:
                break
    finally:
        result.released = _release([d.pk for d in deliveries[tried:]])
        try:
            connection.close()
        except Exception:  # a broken connection may fail to say goodbye; nothing is owed
            logger.debug("newsletter issue %s: closing the connection failed", issue.pk)


_COUNTER = {
    _Outcome.SENT: "sent",
    _Outcome.RETRY: "retrying",
    _Outcome.FAILED: "failed",
    _Outcome.UNCERTAIN: "uncertain",
    _Outcome.CANCELLED: "cancelled",
}


def _postpone(ids: list[int], error: Exception) -> None:
    """The backend could not even connect: the batch waits one retry interval (no
    attempt is counted, nothing was sent) so a dead server is not hammered."""
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
        next_attempt_at=_retry_at(1), error=f"{type(error).__name__}: {error}"[:500]
    )


# --- Reconciling ----------------------------------------------------------------------


@dataclass
class Reconciled:
    uncertain: int  # one-message claims whose worker died: never sent again
    resend: list[int]  # issues whose send task is sent again
    finished: list[int]  # issues marked sent


def reconcile(now=None, *, quiet_seconds: int | None = None) -> Reconciled:
    """What the beat task does every minute (the worker may have died or lost a message):

    1. deliveries claimed longer than the lease with no outcome → `uncertain`; issues
       whose post was taken down or deleted → what is left `cancelled`;
    2. issues with work due and no sign of a live sender (no claim or send within
       `quiet_seconds`, default `BROADSHEET_RECONCILE_AFTER_SECONDS`; a queued issue that
       old) → their ids, to send their task again;
    3. issues with nothing left open → sent (and `newsletter_sent`, once).
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.NEWSLETTER_CLAIM_LEASE_SECONDS)
    uncertain = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - lease
    ).update(
        status=Delivery.Status.UNCERTAIN,
        error="the sending worker stopped before recording the outcome; not sent again",
    )
    if uncertain:
        logger.warning("newsletters: %d delivery(ies) left uncertain by a dead worker", uncertain)
    # Reserved by a run that died before trying them: nothing was sent, back to the pool.
    Delivery.objects.filter(status=Delivery.Status.PENDING, claimed_at__lt=now - lease).update(
        claimed_at=None
    )
    # Posts taken down (or deleted) while their issue was still going out: stop it.
    public = Post.objects.public().filter(pk=OuterRef("post_id"))
    for issue_id in (
        Issue.objects.exclude(status=Issue.Status.SENT)
        .filter(Q(post__isnull=False) | Q(week__isnull=True))
        .exclude(Exists(public))
        .values_list("pk", flat=True)
    ):
        cancel_issue(issue_id, TAKEN_DOWN)
    if quiet_seconds is None:
        quiet_seconds = settings.BROADSHEET_RECONCILE_AFTER_SECONDS
    quiet_since = now - timedelta(seconds=quiet_seconds)
    issues = (
        Issue.objects.exclude(status=Issue.Status.SENT)
        .annotate(
            due=Count(
                "deliveries",
                filter=Q(deliveries__status=Delivery.Status.PENDING) & due(now, "deliveries__"),
            ),
            open=Count("deliveries", filter=Q(deliveries__status__in=OPEN)),
            active_at=Max("deliveries__claimed_at"),
            last_sent_at=Max("deliveries__sent_at"),
        )
        .values_list("pk", "status", "created_at", "due", "open", "active_at", "last_sent_at")
    )
    resend, finished = [], []
    for pk, status, created_at, due_count, open_count, claimed_at, sent_at in issues:
        latest = max([t for t in (created_at, claimed_at, sent_at) if t], default=created_at)
        quiet = latest <= quiet_since
        if status == Issue.Status.QUEUED:
            if quiet:
                resend.append(pk)
        elif open_count == 0:
            if issue_finish(pk):
                finished.append(pk)
        elif due_count and quiet:
            resend.append(pk)
    return Reconciled(uncertain=uncertain, resend=resend, finished=finished)


def issue_counts(issues=None):
    """Per-issue counts of delivery states in one query: recipients, sent, failed,
    pending (pending or sending), uncertain, bounced, cancelled, opened."""
    issues = Issue.objects.all() if issues is None else issues
    return issues.annotate(**COUNTS)


def _count(condition: Q) -> Count:
    return Count("deliveries", filter=condition)


S = Delivery.Status
COUNTS = {
    "recipients": Count("deliveries"),
    "sent_count": _count(Q(deliveries__status__in=[S.SENT, S.BOUNCED])),
    "failed_count": _count(Q(deliveries__status=S.FAILED)),
    "pending_count": _count(Q(deliveries__status__in=OPEN)),
    "uncertain_count": _count(Q(deliveries__status=S.UNCERTAIN)),
    "bounced_count": _count(Q(deliveries__status=S.BOUNCED)),
    "cancelled_count": _count(Q(deliveries__status=S.CANCELLED)),
    "opened_count": _count(Q(deliveries__opened_at__isnull=False)),
}
