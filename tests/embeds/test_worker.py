"""Embeds fetched by a real Celery worker after the save commits, once."""

from __future__ import annotations

import json

import pytest

from blog import services
from embeds.models import Embed
from tests.factories import PostFactory
from tests.jobs.conftest import broker, broker_server, start_worker, wait_for  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def embed_worker(django_db_setup, broker_server, oembed_server, start_worker):  # noqa: F811
    """A worker that knows the local provider and may reach it on loopback."""
    return start_worker(
        broker_server.url,
        BROADSHEET_EMBED_PROVIDERS=json.dumps([oembed_server.provider_entry()]),
        EMBEDS_ALLOW_PRIVATE="1",
        EMBEDS_TIMEOUT_SECONDS="2",
    )


def test_the_worker_fetches_once_after_the_save(broker, embed_worker, provider, client):  # noqa: F811
    # `provider`: this process shows the local provider's player too (the page's check).
    oembed_server = provider
    url = f"{oembed_server.origin}/videos/worker"
    post = PostFactory(body=f"From the quay:\n\n{url}\n")
    # The save answered before anything was fetched: the page shows the plain link.
    embed = Embed.objects.get(url=url)
    fetched = wait_for(
        lambda: Embed.objects.filter(pk=embed.pk, fetched_at__isnull=False).first(),
        60,
        "the worker to fetch the embed",
    )
    assert fetched.ready and fetched.title == "Harbour lights (worker)"
    assert fetched.thumbnail.startswith("embeds/")
    # The cached page was retired: readers see the facade now.
    assert "embed-play" in client.get(post.get_absolute_url()).content.decode()
    mark = embed_worker.mark()
    services.post_update(post=post, data={"body": f"Edited.\n\n{url}\n"}, user=None)
    services.post_update(post=post, data={"title": "Quay, again"}, user=None)
    assert embed_worker.count(r"embeds\.tasks\.fetch_embeds", since=mark) == 0
    assert oembed_server.hits == {"/oembed": 1, "/thumb.png": 1}
