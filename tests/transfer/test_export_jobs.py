"""Exports through the worker, from the admin, for editors only."""

import gzip
import json

import pytest

from blog.models import Post
from tests.factories import PostFactory
from tests.jobs.conftest import broker, broker_server, wait_for, worker  # noqa: F401
from transfer.exporting import export_document
from transfer.models import ExportJob

ADD = "/admin/transfer/exportjob/add/"
LIST = "/admin/transfer/exportjob/"


def _download(client, job: ExportJob) -> dict:
    response = client.get(f"{LIST}{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    return json.loads(gzip.decompress(response.content))


def _same(a: dict, b: dict) -> bool:
    return {**a, "exported_at": None} == {**b, "exported_at": None}


@pytest.mark.django_db
def test_editor_queues_an_export_and_downloads_it(
    client_for, editor, django_capture_on_commit_callbacks
):
    PostFactory.create_batch(3)
    client = client_for(editor)
    assert client.get(ADD).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # tasks run eagerly here
        response = client.post(ADD, {})
    assert response.status_code == 302 and response["Location"] == LIST
    job = ExportJob.objects.get()
    assert (job.status, job.requested_by, job.posts) == (ExportJob.Status.DONE, editor, 3)
    page = client.get(LIST).content.decode()
    assert job.filename in page
    assert _same(_download(client, job), export_document())


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["author", "contributor", "reader"])
def test_only_editors_may_export(client_for, editor, role, request):
    job = ExportJob.objects.create(requested_by=editor, status=ExportJob.Status.DONE)
    client = client_for(request.getfixturevalue(role))
    assert client.post(ADD, {}).status_code in (302, 403)
    assert not ExportJob.objects.exclude(pk=job.pk).exists()
    assert client.get(LIST).status_code in (302, 403)
    assert client.get(f"{LIST}{job.pk}/download/").status_code in (302, 403, 404)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_export_built_by_a_real_worker(client_for, broker, worker):  # noqa: F811
    from tests.factories import EditorFactory

    PostFactory.create_batch(5)
    chief = EditorFactory(username="chief", is_superuser=True)  # no role groups after flush
    client = client_for(chief)
    assert client.post(ADD, {}).status_code == 302
    job = ExportJob.objects.get()
    wait_for(
        lambda: ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.DONE).exists(),
        timeout=60,
        what="the worker to build the export",
    )
    job.refresh_from_db()
    document = _download(client, job)
    assert job.posts == 5 == len(document["posts"]) == Post.objects.count()
    assert _same(document, export_document())
