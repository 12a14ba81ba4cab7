"""A post's search-engine and social-card fields through the API: written, read back as
written, checked with the site's messages (blog.seo), and strict as every field is."""

from __future__ import annotations

import pytest

from blog.models import Post
from tests.factories import PostFactory
from tests.images.conftest import make_image  # noqa: F401  (the image fixture)

pytestmark = pytest.mark.django_db

SEO = {
    "meta_title": "Tide tables for May | Harbour News",
    "meta_description": "Every high and low water in May.",
    "canonical_url": "https://original.example/2026/05/tides/",
    "social_title": "Six o'clock, low water",
    "social_description": "What the harbour master says.",
    "noindex": True,
}


def test_the_fields_round_trip_and_read_blank_when_unwritten(api_as, author, make_image):  # noqa: F811
    card = make_image("PNG", (240, 126), alt_text="Boats")
    client = api_as(author)
    created = client.post(
        "/api/posts/",
        {"title": "Tides", "body": "Low water.", **SEO, "social_image_id": card.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert {name: data[name] for name in SEO} == SEO
    assert data["social_image"]["id"] == card.pk and data["social_image"]["alt_text"] == "Boats"
    read = client.get(f"/api/posts/{data['id']}/").json()
    assert {name: read[name] for name in SEO} == SEO
    # PATCH one field: the others stay; blank and null hand them back to the fallbacks.
    patched = client.patch(
        f"/api/posts/{data['id']}/",
        {"meta_title": "", "social_image_id": None, "noindex": False},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert (body["meta_title"], body["social_image"], body["noindex"]) == ("", None, False)
    assert body["canonical_url"] == SEO["canonical_url"]
    stored = Post.objects.get(pk=data["id"])
    assert (stored.meta_title, stored.social_image_id, stored.noindex) == ("", None, False)

    plain = client.get(f"/api/posts/{PostFactory(author=author).pk}/").json()
    assert [plain[name] for name in SEO] == ["", "", "", "", "", False]
    assert plain["social_image"] is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("canonical_url", "original.example/tides", "starting with https:// or http://"),
        ("canonical_url", "https://u:p@original.example/", "user name or password"),
        ("canonical_url", "https://original.example/" + "a" * 480, "no more than 500 characters"),
        ("canonical_url", 42, "Not a valid string."),
        ("meta_title", "x" * 201, "no more than 200 characters"),
        ("meta_description", "x" * 501, "no more than 500 characters"),
        ("noindex", "yes", "Must be true or false."),
        ("noindex", 1, "Must be true or false."),
    ],
)
def test_bad_values_are_a_400_naming_the_field_and_why(api_as, author, field, value, message):
    response = api_as(author).post(
        "/api/posts/", {"title": "T", "body": "b", field: value}, format="json"
    )
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == field and message in error["message"]
    assert Post.objects.count() == 0


def test_an_unknown_social_image_is_a_409_and_the_read_side_is_read_only(api_as, author):
    client = api_as(author)
    response = client.post(
        "/api/posts/", {"title": "T", "body": "b", "social_image_id": 999999}, format="json"
    )
    assert response.status_code == 409
    assert [e["field"] for e in response.json()["errors"]] == ["social_image_id"]
    response = client.post(
        "/api/posts/", {"title": "T", "body": "b", "social_image": {"id": 1}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "read_only"


def test_the_schema_documents_the_fields(api):
    schema = api.get("/api/schema/?format=json").json()
    post = schema["components"]["schemas"]["Post"]["properties"]
    assert {"meta_title", "canonical_url", "noindex", "social_image"} <= set(post)
    request = schema["components"]["schemas"]["PostRequest"]["properties"]
    assert {"social_image_id", "noindex", "social_description"} <= set(request)
    assert "social_image" not in request
    # Every URL a client generates from the schema is one the site takes, and "" too.
    choices = request["canonical_url"]["anyOf"]
    assert choices[0]["pattern"].startswith("^https?://") and choices[1]["maxLength"] == 0


def test_a_canonical_url_is_taken_exactly_as_given(api_as, author):
    response = api_as(author).post(
        "/api/posts/",
        {"title": "T", "body": "b", "canonical_url": " https://original.example/ "},
        format="json",
    )
    assert response.status_code == 400
    assert "may not contain spaces" in response.json()["errors"][0]["message"]
