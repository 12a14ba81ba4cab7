"""A post's cover image through the API: written by id, read as the image readers get."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from blog.models import Post
from tests.factories import PostFactory


def test_a_writer_sets_and_clears_a_cover_by_id(api_as, author, make_image):
    image = make_image("JPEG", (800, 600), alt_text="Boats in the fog")
    client = api_as(author)
    created = client.post(
        "/api/posts/", {"title": "Harbour", "body": "b", "cover_image_id": image.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    cover = created.json()["cover_image"]
    assert cover["id"] == image.pk and cover["alt_text"] == "Boats in the fog"
    assert (cover["width"], cover["height"]) == (800, 600)
    assert cover["url"].startswith("http://testserver/media/") and cover["url"].endswith(".jpg")
    post_id = created.json()["id"]
    cleared = client.patch(f"/api/posts/{post_id}/", {"cover_image_id": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["cover_image"] is None
    assert Post.objects.get(pk=post_id).cover_image is None


def test_an_unknown_image_is_a_409_naming_the_field(api_as, author):
    response = api_as(author).post(
        "/api/posts/", {"title": "T", "body": "b", "cover_image_id": 999999}, format="json"
    )
    assert response.status_code == 409  # well formed, but no such image (api.strict)
    assert [e["field"] for e in response.json()["errors"]] == ["cover_image_id"]


def test_covers_do_not_add_queries_per_post(make_image, settings):
    settings.PAGE_CACHE_SECONDS = 0  # count the queries of a rendered list, not a cache hit

    def count() -> int:
        cache.clear()  # the list's count is kept until the content changes (pagecache.counts)
        with CaptureQueriesContext(connection) as queries:
            assert APIClient().get("/api/posts/?page_size=50").status_code == 200
        return len(queries)

    for _ in range(2):
        PostFactory(cover_image=make_image("PNG", (200, 120), renditions=False))
    few = count()
    for _ in range(6):
        PostFactory(cover_image=make_image("PNG", (200, 120), renditions=False))
    assert count() == few
