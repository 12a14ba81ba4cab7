"""What a post looks like, and clear JSON errors for bad input."""

import pytest

from blog.models import Post, Tag
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_post_representation(api):
    post = PostFactory(body="Hello **world**", tags=[TagFactory(name="b"), TagFactory(name="a")])
    data = api.get(f"/api/posts/{post.pk}/").json()
    assert set(data) == {
        "id", "title", "slug", "url", "excerpt", "body", "body_html", "status", "state",
        "author", "category", "tags", "reading_minutes", "published_at", "created_at",
        "updated_at",
    }  # fmt: skip
    assert data["body_html"] == "<p>Hello <strong>world</strong></p>"
    assert data["url"] == f"http://testserver/posts/{post.slug}/"
    assert sorted(data["tags"]) == ["a", "b"]
    assert data["category"]["slug"] == post.category.slug
    assert data["author"] == {
        "username": post.author.username,
        "display_name": post.author.public_name,
    }
    assert data["state"] == "published"


def test_create_with_category_and_tags(api_as, author):
    category, tag = CategoryFactory(), TagFactory(name="python")
    response = api_as(author).post(
        "/api/posts/",
        {
            "title": "Typed",
            "body": "<script>x</script>ok",
            "category_id": category.pk,
            "tags": ["python"],
            "slug": "ignored",
            "body_html": "<b>ignored</b>",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["slug"] == "typed" and data["tags"] == [tag.slug]
    assert data["category"]["id"] == category.pk and "<script" not in data["body_html"]
    assert data["status"] == "draft" and data["state"] == "draft"


def test_unknown_tags_refused_for_authors_created_for_editors(api_as, author, editor):
    response = api_as(author).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["brand-new"]}, format="json"
    )
    assert response.status_code == 400
    assert "Unknown tag" in response.json()["tags"][0]
    assert not Tag.objects.filter(slug="brand-new").exists()
    response = api_as(editor).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["Brand New"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["tags"] == ["brand-new"]


def test_refused_post_creates_no_tags(api_as, editor):
    response = api_as(editor).post("/api/posts/", {"title": "", "tags": ["orphan"]}, format="json")
    assert response.status_code == 400
    assert not Tag.objects.filter(name="orphan").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "no title"}, "title"),
        ({"title": "   ", "body": "x"}, "title"),
        ({"title": "x" * 201, "body": "x"}, "title"),
        ({"title": "T"}, "body"),
        ({"title": "T", "body": "x" * 200_001}, "body"),
        ({"title": "T", "body": "x", "category_id": 999_999}, "category_id"),
        ({"title": "T", "body": "x", "category_id": "abc"}, "category_id"),
        ({"title": "T", "body": "x", "status": "gone"}, "status"),
        ({"title": "T", "body": "x", "published_at": "tomorrow"}, "published_at"),
        ({"title": "T", "body": "x", "tags": "python"}, "tags"),
        ({"title": "T", "body": "x", "tags": [1, {"a": 1}]}, "tags"),
        ({"title": ["T"], "body": "x"}, "title"),
    ],
)
def test_bad_bodies_get_per_field_errors(api_as, author, body, field):
    response = api_as(author).post("/api/posts/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Post.objects.count() == 0


def test_error_statuses_are_json(api, api_as, author):
    assert api.get("/api/posts/999999/").json() == {"detail": "No Post matches the given query."}
    assert api.get("/api/nothing-here/").json() == {"detail": "Not found."}
    client = api_as(author)
    response = client.post(
        "/api/posts/", "title=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415 and "detail" in response.json()
    response = client.post("/api/posts/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert client.put("/api/posts/").status_code == 405
    bad = api.get("/api/posts/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert bad.status_code == 401 and bad.json()["code"] == "token_not_valid"


@pytest.mark.parametrize(
    "query",
    [
        "?page=abc",
        "?page=0",
        "?page=99999",
        "?page_size=abc",
        "?page_size=-5",
        "?published_after=yesterday",
        "?published_after=9258-05-06T03:31:43%2B16:56",
        "?published_before=9999-12-31T23:59:59-15:00",
        "?published_before=0001-01-01T00:00:00%2B15:00",
        "?status=nope",
        "?ordering=body",
        "?ordering=;drop",
        "?search=" + "x" * 10_000,
        "?category=" + "x" * 5000,
    ],
)
def test_bad_query_strings_never_500(api, query):
    PostFactory()
    response = api.get("/api/posts/" + query)
    assert response.status_code in (200, 400, 404), response.content
    assert response["Content-Type"] == "application/json"


def test_page_size_is_capped_at_100(api, author):
    PostFactory.create_batch(101, author=author)
    data = api.get("/api/posts/?page_size=1000").json()
    assert data["count"] == 101 and len(data["results"]) == 100 and data["next"]
    data = api.get("/api/posts/?page_size=2").json()
    assert len(data["results"]) == 2
    assert len(api.get("/api/posts/").json()["results"]) == 20  # the default
