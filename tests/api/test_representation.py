"""What a post looks like, and clear JSON errors for bad input."""

import pytest

from blog.models import Post, Tag
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_post_representation(api):
    post = PostFactory(body="Hello **world**", tags=[TagFactory(name="b"), TagFactory(name="a")])
    data = api.get(f"/api/posts/{post.pk}/").json()
    assert set(data) == {
        "id", "title", "slug", "url", "excerpt", "written_excerpt", "body", "body_html",
        "status", "state",
        "author", "authors", "category", "tags", "cover_image", "reading_minutes",
        "published_at", "expires_at", "created_at", "updated_at", "changed_at",
        "meta_title", "meta_description", "canonical_url", "social_title",
        "social_description", "social_image", "noindex", "audience", "newsletter",
        "comment_count",  # from the comments app, through `blog.extras` (issue 32)
    }  # fmt: skip
    assert data["cover_image"] is None
    assert data["body_html"] == "<p>Hello <strong>world</strong></p>"
    assert data["url"] == f"http://testserver/posts/{post.slug}/"
    assert sorted(tag["slug"] for tag in data["tags"]) == ["a", "b"]
    assert data["category"]["slug"] == post.category.slug
    assert data["author"] == {
        "username": post.author.username,
        "display_name": post.author.public_name,
    }
    assert data["authors"] == [data["author"]]  # the lead alone: the byline in order
    assert data["expires_at"] is None
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
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["slug"] == "typed" and data["tags"] == [{"slug": tag.slug, "name": tag.name}]
    assert data["category"]["id"] == category.pk and "<script" not in data["body_html"]
    assert data["status"] == "draft" and data["state"] == "draft"


def test_unknown_tags_refused_for_authors_created_for_editors(api_as, author, editor):
    response = api_as(author).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["brand-new"]}, format="json"
    )
    assert response.status_code == 409  # well formed, but no such tag (api.strict)
    [error] = response.json()["errors"]
    assert error["field"] == "tags" and "Unknown tag" in error["message"]
    assert not Tag.objects.filter(slug="brand-new").exists()
    response = api_as(editor).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["Brand New"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["tags"] == [{"slug": "brand-new", "name": "Brand New"}]


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
    problem = response.json()
    assert problem["code"] == "invalid" and problem["status"] == 400
    assert field in {error["field"] for error in problem["errors"]}
    assert Post.objects.count() == 0


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:broadsheet:problem:{code}"
    assert (body["status"], body["code"]) == (status, code) and body["title"] and body["detail"]
    return body


def test_every_error_is_a_problem_document(api, api_as, author):
    _problem(api.get("/api/posts/999999/"), 404, "not_found")
    _problem(api.get("/api/nothing-here/"), 404, "not_found")
    _problem(api.post("/api/nothing-here/", {}), 404, "not_found")
    client = api_as(author)
    response = client.post(
        "/api/posts/", "title=x", content_type="application/x-www-form-urlencoded"
    )
    _problem(response, 415, "unsupported_media_type")
    response = client.post("/api/posts/", "{not json", content_type="application/json")
    _problem(response, 400, "parse_error")
    _problem(client.put("/api/posts/"), 405, "method_not_allowed")
    _problem(api.post("/api/posts/", {}), 401, "not_authenticated")
    bad = api.get("/api/posts/", HTTP_AUTHORIZATION="Bearer not-a-token")
    _problem(bad, 401, "token_not_valid")
    _problem(api_as(author).delete("/api/categories/x/"), 403, "permission_denied")
    _problem(api.get("/api/posts/", HTTP_ACCEPT="text/csv"), 406, "not_acceptable")


def test_a_post_without_its_trailing_slash_is_redirected_as_a_post(api_as, author):
    client = api_as(author)
    response = client.post("/api/posts?x=1", {"title": "T", "body": "b"}, format="json")
    assert response.status_code == 308 and response["Location"] == "/api/posts/?x=1"
    assert not Post.objects.exists()  # a 308 is repeated with the same method and body
    assert client.get("/api/posts").status_code == 308


def test_validation_problems_list_each_field(api_as, editor):
    response = api_as(editor).post(
        "/api/posts/", {"title": 0, "body": True, "tags": ["ok", 5]}, format="json"
    )
    body = _problem(response, 400, "invalid")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("title", "invalid"), ("body", "invalid"), ("tags", "invalid"),
    }  # fmt: skip
    assert not Post.objects.exists()


def test_numbers_are_not_strings(api_as, editor):
    client = api_as(editor)
    _problem(client.post("/api/tags/", {"name": 0}, format="json"), 400, "invalid")
    _problem(client.post("/api/categories/", {"name": 1.5}, format="json"), 400, "invalid")
    assert not Tag.objects.exists()


def test_taken_names_are_409_conflicts(api_as, editor):
    client = api_as(editor)
    assert client.post("/api/categories/", {"name": "News"}, format="json").status_code == 201
    again = client.post("/api/categories/", {"name": "News"}, format="json")
    body = _problem(again, 409, "conflict")
    assert body["errors"][0]["field"] == "name"
    assert client.post("/api/tags/", {"name": "django"}, format="json").status_code == 201
    _problem(client.post("/api/tags/", {"name": "django"}, format="json"), 409, "conflict")


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
    ok = response.status_code == 200
    assert response["Content-Type"] == "application/json" if ok else "application/problem+json"


def test_page_size_is_at_most_100(api, author):
    PostFactory.create_batch(101, author=author)
    response = api.get("/api/posts/?page_size=1000")
    assert response.status_code == 400  # as the schema says: not silently clamped
    assert response.json()["errors"][0]["field"] == "page_size"
    data = api.get("/api/posts/?page_size=100").json()
    assert data["count"] == 101 and len(data["results"]) == 100 and data["next"]
    data = api.get("/api/posts/?page_size=2").json()
    assert len(data["results"]) == 2
    assert len(api.get("/api/posts/").json()["results"]) == 20  # the default


def test_a_slug_written_through_the_api_redirects_from_the_old_one(api_as, editor, client):
    """Issue 25.4: PATCH {"slug": …} answered 200 and kept the old slug. Now it changes,
    and the old address redirects as when an editor changes it in the admin."""
    post = PostFactory(slug="old-address", author=editor)
    api = api_as(editor)
    response = api.patch(f"/api/posts/{post.pk}/", {"slug": "new-address"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["slug"] == "new-address"
    assert response.json()["url"].endswith("/posts/new-address/")
    page = client.get("/posts/old-address/")
    assert page.status_code == 301 and page["Location"] == "/posts/new-address/"
    moved = api.get("/api/posts/by-slug/old-address/")
    assert moved.status_code == 301 and moved["Location"].endswith("/by-slug/new-address/")
    # Another post may not take it, nor the old address that still leads to this one.
    other = PostFactory(slug="other", author=editor)
    for slug in ("new-address", "old-address"):
        refused = api.patch(f"/api/posts/{other.pk}/", {"slug": slug}, format="json")
        assert refused.status_code == 409, (slug, refused.content)
        assert refused.json()["errors"][0]["field"] == "slug"
    for bad in ("with space", "ünïcode", "", 7):
        refused = api.patch(f"/api/posts/{other.pk}/", {"slug": bad}, format="json")
        assert refused.status_code == 400, (bad, refused.content)
    # A new post may name its slug.
    created = api.post("/api/posts/", {"title": "T", "body": "b", "slug": "chosen"}, format="json")
    assert created.status_code == 201 and created.json()["slug"] == "chosen"


@pytest.mark.parametrize("shape", ["comma", "repeated"])
def test_list_filters_take_the_repeated_form_as_well_as_commas(api, shape):
    """Issue 25.6: generated clients (openapi-python-client) send `?tag=a&tag=b`; it was a
    400. Both forms mean the same: any of the tags; `fields` likewise."""
    a, b, c = TagFactory(slug="a"), TagFactory(slug="b"), TagFactory(slug="c")
    tagged_a, tagged_b = PostFactory(tags=[a]), PostFactory(tags=[b])
    PostFactory(tags=[c])
    both = PostFactory(tags=[a, b])
    query = {
        "comma": "tag=a,b&tag_all=a,b&fields=id,slug",
        "repeated": "tag=a&tag=b&tag_all=a&tag_all=b&fields=id&fields=slug",
    }[shape]
    response = api.get(f"/api/posts/?{query}")
    assert response.status_code == 200, response.content
    assert {row["id"] for row in response.json()["results"]} == {both.pk}
    assert all(set(row) == {"id", "slug"} for row in response.json()["results"])
    only_tag = "tag=a,b" if shape == "comma" else "tag=a&tag=b"
    response = api.get(f"/api/posts/?{only_tag}")
    assert {row["id"] for row in response.json()["results"]} == {tagged_a.pk, tagged_b.pk, both.pk}
