"""Newsletter tasks: thin wrappers around `newsletters.sending` and `newsletters.digest`.

`send_issue` sends one batch per run and then sends itself again, so a 10,000-member issue
is a hundred short tasks other work interleaves with, not one that holds a worker for
minutes. It may run twice for the same issue (a redelivered message, the reconciler's
copy): each run claims only pending deliveries, so nothing is sent twice.
`reconcile_issues` (beat, every minute) marks dead workers' claims uncertain, sends the
task again for issues whose message was lost, and finishes issues.
"""

from __future__ import annotations

import logging

from celery import shared_task

from core.tasks import enqueue_on_commit

from . import digest, sending

logger = logging.getLogger(__name__)

# A retry due within this long waits in the broker as a countdown (well under the
# visibility timeout); a later one is sent by the reconciler when due.
MAX_COUNTDOWN_SECONDS = 60


@shared_task(acks_late=True)
def send_issue(issue_id: int) -> str:
    """Send the next batch of the issue, then queue the next run if anything is due."""
    result = sending.send_batch(issue_id)
    if _in_process():
        # `make run`, unit tests: this runs inside the request that published the post,
        # so one batch here; the reconciler (the in-process schedule) sends the rest.
        return _summary(issue_id, result)
    if result.due_left:
        enqueue_on_commit(send_issue, issue_id)  # no transaction here: sent at once
    elif result.next_due is not None and result.next_due <= MAX_COUNTDOWN_SECONDS:
        try:
            send_issue.apply_async(args=[issue_id], countdown=max(result.next_due, 1))
        except Exception as error:  # the reconciler sends it when due
            logger.warning("newsletter issue %s: retry not queued: %r", issue_id, error)
    return _summary(issue_id, result)


def _in_process() -> bool:
    return bool(send_issue.app.conf.task_always_eager)


def _summary(issue_id: int, result: sending.BatchResult) -> str:
    return (
        f"issue {issue_id}: {result.sent} sent, {result.retrying} to retry, {result.failed} "
        f"failed, {result.uncertain} uncertain, {result.released} released"
        + (", finished" if result.finished else "")
    )


@shared_task
def reconcile_issues() -> str:
    """Dead workers' claims → uncertain; lost messages sent again; issues finished."""
    if _in_process():
        # No worker and no chain of messages: every issue with work due is sent here, in
        # the schedule's own thread (`manage.py serve`), batch after batch.
        done = sending.reconcile(quiet_seconds=0)
        for issue_id in done.resend:
            while sending.send_batch(issue_id).due_left:
                pass
    else:
        done = sending.reconcile()
        for issue_id in done.resend:
            enqueue_on_commit(send_issue, issue_id)
    return (
        f"{done.uncertain} uncertain, {len(done.resend)} issue(s) sent again, "
        f"{len(done.finished)} finished"
    )


@shared_task
def send_weekly_digests() -> int:
    """The weekly newsletters' issue for the week just ended (none without posts)."""
    issues = digest.digest_create()
    for issue in issues:
        enqueue_on_commit(send_issue, issue.pk)
    return len(issues)
