"""Newsletter tasks: thin wrappers around `newsletters.sending` and `newsletters.digest`.

`send_issue` sends one batch per run and then sends itself again, so a 10,000-member issue
is a hundred short tasks other work interleaves with, not one that holds a worker for
minutes. It may run twice for the same issue (a redelivered message, the reconciler's
copy): each run claims only pending deliveries, so nothing is sent twice.
`reconcile_issues` (beat, every minute) marks dead workers' claims uncertain, sends the
task again for issues whose message was lost, and finishes issues.

**In-process** (`make run`: no broker, tasks eager, SQLite). Nothing is sent inside a
request: publishing a post only creates its issue and lists its recipients
(`newsletters.listeners`). The in-process schedule (`core.schedules`, a thread of the
serving process) runs `reconcile_issues`, which sends **one batch** of each issue with
work due per run (`NEWSLETTER_BATCH_SIZE` a minute). One sender at a time: SQLite has
no `SKIP LOCKED`, so a process-wide lock (`_in_process_sender`) keeps two threads from
sending at once; a run that finds it taken sends nothing and the next tick catches up.
The lock is per process, which is enough for the embedded default (one serving
process); production uses the worker and the database's row locks.
"""

from __future__ import annotations

import logging
import threading

from celery import shared_task
from django.conf import settings

from core.tasks import enqueue_on_commit

from . import digest, sending

logger = logging.getLogger(__name__)

# A retry due within this long waits in the broker as a countdown (well under the
# visibility timeout); a later one is sent by the reconciler when due.
MAX_COUNTDOWN_SECONDS = 60

_in_process_sender = threading.Lock()


@shared_task(acks_late=True)
def send_issue(issue_id: int) -> str:
    """Send the next batch of the issue, then queue the next run if anything is due."""
    if in_process():
        # No worker: one batch, by one thread of this process at a time; the
        # in-process schedule's reconciler sends the rest, a batch per tick.
        if not _in_process_sender.acquire(blocking=False):
            return f"issue {issue_id}: another thread is sending; the schedule goes on"
        try:
            return _summary(issue_id, sending.send_batch(issue_id))
        finally:
            _in_process_sender.release()
    result = sending.send_batch(issue_id, senders=settings.NEWSLETTER_SENDERS)
    if result.due_left:
        enqueue_on_commit(send_issue, issue_id)  # no transaction here: sent at once
    elif result.next_due is not None and result.next_due <= MAX_COUNTDOWN_SECONDS:
        try:
            send_issue.apply_async(args=[issue_id], countdown=max(result.next_due, 1))
        except Exception as error:  # the reconciler sends it when due
            logger.warning("newsletter issue %s: retry not queued: %r", issue_id, error)
    return _summary(issue_id, result)


def start_sending(issue_id: int) -> None:
    """Queue the issue's `NEWSLETTER_SENDERS` send tasks (after the commit); each then
    sends itself again while there is work due, and stops when the others took the
    rest."""
    for _ in range(max(settings.NEWSLETTER_SENDERS, 1)):
        enqueue_on_commit(send_issue, issue_id)


def in_process() -> bool:
    """No broker: tasks run in this process (`make run`, the unit tests)."""
    return bool(send_issue.app.conf.task_always_eager)


def _summary(issue_id: int, result: sending.BatchResult) -> str:
    return (
        f"issue {issue_id}: {result.sent} sent, {result.retrying} to retry, {result.failed} "
        f"failed, {result.uncertain} uncertain, {result.cancelled} cancelled, "
        f"{result.released} released" + (", finished" if result.finished else "")
    )


@shared_task
def reconcile_issues() -> str:
    """Dead workers' claims → uncertain; lost messages sent again; issues finished."""
    if in_process():
        # No worker and no chain of messages: one batch of each issue with work due,
        # here in the schedule's thread, one sender at a time (see the module's doc).
        if not _in_process_sender.acquire(blocking=False):
            return "another thread is sending; next tick"
        try:
            done = sending.reconcile(quiet_seconds=0)
            for issue_id in done.resend:
                sending.send_batch(issue_id)
        finally:
            _in_process_sender.release()
    else:
        done = sending.reconcile()
        for issue_id in done.resend:
            start_sending(issue_id)
    return (
        f"{done.uncertain} uncertain, {len(done.resend)} issue(s) sent again, "
        f"{len(done.finished)} finished"
    )


@shared_task
def send_weekly_digests() -> int:
    """The weekly newsletters' issues of the weeks just ended (none without posts)."""
    issues = digest.digests_due()
    for issue in issues:
        if in_process():
            enqueue_on_commit(send_issue, issue.pk)  # one batch; the schedule the rest
        else:
            start_sending(issue.pk)
    return len(issues)
