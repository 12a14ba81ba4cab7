"""A submitted post's e-mail goes through the real broker to a real worker process."""

import pytest

from blog.models import Post
from tests.admin.test_states import change_url, form
from tests.factories import ContributorFactory, EditorFactory, PostFactory
from tests.jobs.conftest import broker, broker_server, wait_for, worker  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_submit_for_review_mails_editors_through_the_worker(broker, worker, client):  # noqa: F811
    EditorFactory(username="desk", email="desk@example.com")
    writer = ContributorFactory(username="writer")
    post = PostFactory(author=writer, draft=True, title="Salt marsh")
    before = len(worker.mails())
    client.force_login(writer, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(change_url(post), form(post, _action="review"))
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).state == Post.State.IN_REVIEW
    wait_for(lambda: len(worker.mails()) > before, what="the review e-mail")
    message = worker.mails()[-1]
    assert "desk@example.com" in message and "Waiting for review: Salt marsh" in message
