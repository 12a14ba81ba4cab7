"""Owed work survives lost task messages and runs once (issue 33, findings 4 and 5).

Every piece of owed work is a database row — a webhook delivery, an image's renditions,
an export — and the reconcilers (beat: `webhook-deliveries`, `renditions-reconcile`,
`exports-reconcile`) send its task again when its message was lost. Here the broker is
flushed (FLUSHALL, the worst loss) after the writes, before any worker ran; then the
reconcilers, on a real worker, finish everything exactly once. And a long export whose
message the broker hands out again while it runs is built once.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import redis
from django.core.files.storage import default_storage
from django.utils import timezone

from blog.services import post_delete
from images.models import Rendition
from images.services import image_create
from images.tasks import images_owed, reconcile_renditions
from tests.factories import PostFactory
from tests.images import samples
from tests.images.conftest import uploaded
from tests.jobs.conftest import (  # noqa: F401  (fixtures)
    fresh_broker,
    sessions_waiting_on_locks,
    start_worker,
    table_locked,
    wait_for,
)
from tests.webhooks.conftest import receiver  # noqa: F401  (fixture)
from transfer.models import ExportJob
from transfer.services import export_job_request
from transfer.tasks import build_export, exports_lost, reconcile_exports
from webhooks.models import Delivery, Endpoint
from webhooks.services import deliveries_lost
from webhooks.tasks import reconcile_deliveries

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

DELIVERIES, IMAGES = 6, 3


def _renditions_on_disk() -> set[str]:
    if not default_storage.exists("images/r"):
        return set()
    return set(default_storage.listdir("images/r")[1])


def test_after_flushall_the_reconcilers_finish_everything_exactly_once(
    settings,
    receiver,  # noqa: F811
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
):
    settings.BROADSHEET_RECONCILE_AFTER_SECONDS = 0  # as in the worker below
    Endpoint.objects.create(url=receiver.url)
    kept_before = _renditions_on_disk()  # the media folder is shared by the whole run
    for _ in range(DELIVERIES):
        post_delete(post=PostFactory(announced_at=timezone.now()))  # a post.deleted delivery each
    images = [
        image_create(
            upload=uploaded(samples.encoded("JPEG", (700 + 10 * n, 466))),
            alt_text=f"picture {n}",
            uploaded_by=None,
        )
        for n in range(IMAGES)
    ]
    job = export_job_request(user=None)
    broker = redis.Redis.from_url(fresh_broker)
    queued = broker.llen("celery") + broker.llen("webhooks")  # the two queues
    assert queued == DELIVERIES + IMAGES + 1  # every message was sent...
    broker.flushall()  # ...and is gone
    worker = start_worker(
        fresh_broker,
        concurrency=2,
        WEBHOOKS_ALLOW_PRIVATE="1",
        BROADSHEET_RECONCILE_AFTER_SECONDS="0",
    )
    time.sleep(2)
    assert receiver.requests == [] and not Rendition.objects.exists()  # lost, so far
    started = time.monotonic()
    for _ in range(2):  # twice, and overlapping: a copy too many must do nothing
        reconcile_deliveries.delay()
        reconcile_renditions.delay()
        reconcile_exports.delay()
    wait_for(
        lambda: (
            Delivery.objects.filter(status="succeeded").count() == DELIVERIES
            and not images_owed().exists()
            and ExportJob.objects.filter(status="done").exists()
        ),
        60,
        "the reconcilers to finish",
    )
    elapsed = time.monotonic() - started
    time.sleep(2)  # let any duplicate copy run
    sent = Counter(json.loads(request["body"])["id"] for request in receiver.requests)
    assert sorted(sent) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert set(sent.values()) == {1}, sent  # each delivery POSTed exactly once
    assert all(d.attempts == 1 for d in Delivery.objects.all())
    renditions = Rendition.objects.filter(image__in=images)
    per_image = Counter(renditions.values_list("image_id", flat=True))
    assert set(per_image) == {image.pk for image in images}
    assert len(set(per_image.values())) == 1  # every image got its full set, once
    assert all(default_storage.exists(r.file.name) for r in renditions)
    made = _renditions_on_disk() - kept_before
    # No stray file from a duplicate run: every file made is one of these renditions.
    assert made == {r.file.name.rsplit("/", 1)[-1] for r in renditions}
    job.refresh_from_db()
    assert (job.status, job.posts) == ("done", 0)
    assert worker.count(r"transfer\.tasks\.build_export\[\S+\] succeeded") >= 1
    assert not deliveries_lost().exists() and not exports_lost().exists()
    print(
        f"\nFLUSHALL of {queued} messages: {DELIVERIES} deliveries, {IMAGES} images "
        f"({renditions.count()} renditions), 1 export redone in {elapsed:.1f} s; "
        f"duplicates 0, lost 0"
    )


def test_an_export_handed_out_again_while_it_runs_is_built_once(
    fresh_broker,  # noqa: F811
    start_worker,  # noqa: F811
):
    """The broker re-sends the running export's message (visibility timeout 2 s here)."""
    worker = start_worker(
        fresh_broker,
        concurrency=2,
        CELERY_VISIBILITY_TIMEOUT="2",
        BROADSHEET_TEST_RESTORE_INTERVAL="1",
    )
    PostFactory.create_batch(3, draft=True)  # drafts: no announce tasks
    job = ExportJob.objects.create()
    with table_locked("blog_post"):  # the export parks reading posts: a long export
        build_export.delay(job.pk)
        wait_for(lambda: sessions_waiting_on_locks() >= 1, 20, "the export to start")
        wait_for(
            lambda: worker.count(r"transfer\.tasks\.build_export\[\S+\] received") >= 2,
            20,
            "the broker to hand the running export out again",
        )
        wait_for(
            lambda: worker.count(r"build_export\[\S+\] succeeded in \S+ 0\b"),
            20,
            "the second copy to exit",
        )
        assert ExportJob.objects.get().status == "running"
    job = wait_for(lambda: ExportJob.objects.filter(status="done").first(), 30, "the export")
    wait_for(lambda: worker.count(r"build_export\[\S+\] succeeded") >= 2, 10, "both copies")
    assert job.posts == 3
    assert worker.count(r"build_export\[\S+\] succeeded in \S+ 3\b") == 1  # built once
