"""Payload shape: ?fields= / ?omit=, tags as objects, multi-value filters, strict params."""

import json

import pytest

from blog.models import Post
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

# About 2,000 characters of Markdown, like a short article.
BODY = "\n\n".join(
    f"Paragraph {i}: the harbour master **counted** the boats and wrote it down. " * 4
    for i in range(6)
)


def test_fields_and_omit_shape_each_post(api):
    post = PostFactory()
    only = api.get(f"/api/posts/{post.pk}/?fields=id,title,url").json()
    assert set(only) == {"id", "title", "url"}
    rows = api.get("/api/posts/?omit=body,body_html").json()["results"]
    assert rows and all("body" not in row and "body_html" not in row for row in rows)
    assert "title" in rows[0] and "author" in rows[0]


def test_unknown_fields_are_a_400_listing_the_fields(api):
    PostFactory()
    response = api.get("/api/posts/?fields=title,nope")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "fields" and "nope" in error["message"]
    assert "body_html" in error["message"]


def test_fields_never_change_what_a_write_accepts(api_as, editor):
    post = PostFactory(title="Old")
    response = api_as(editor).patch(
        f"/api/posts/{post.pk}/?fields=id", {"title": "New", "body": "B"}, format="json"
    )
    assert response.status_code == 200 and response.json() == {"id": post.pk}
    post.refresh_from_db()
    assert (post.title, post.body) == ("New", "B")


def test_tags_read_as_objects_and_are_written_by_slug(api, api_as, editor):
    TagFactory(name="Django", slug="django")
    response = api_as(editor).post(
        "/api/posts/", {"title": "T", "body": "b", "tags": ["django"]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["tags"] == [{"slug": "django", "name": "Django"}]


def test_comma_means_any_and_tag_all_means_every(api):
    a, b = TagFactory(slug="a"), TagFactory(slug="b")
    both, only_a, only_b = PostFactory(tags=[a, b]), PostFactory(tags=[a]), PostFactory(tags=[b])
    PostFactory()

    def ids(query):
        response = api.get("/api/posts/" + query)
        assert response.status_code == 200, response.content
        found = [row["id"] for row in response.json()["results"]]
        assert len(found) == len(set(found)), "a post listed twice"
        return set(found)

    assert ids("?tag=a,b") == {both.pk, only_a.pk, only_b.pk}
    assert ids("?tag=a") == {both.pk, only_a.pk}
    assert ids("?tag_all=a,b") == {both.pk}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/posts/?tags=a", "tags"),
        ("/api/posts/?order=title", "order"),
        ("/api/posts/1/?page=2", "page"),
        ("/api/tags/?search=x", "search"),
        ("/api/authors/?limit=5", "limit"),
    ],
)
def test_unknown_query_parameters_are_a_400_with_the_allowed_list(api, url, name):
    PostFactory(pk=1)
    response = api.get(url)
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == name and "Allowed:" in error["message"]


def test_a_bad_ordering_is_a_400_with_the_allowed_list(api):
    response = api.get("/api/posts/?ordering=body")
    assert response.status_code == 400
    message = response.json()["errors"][0]["message"]
    assert "-published_at" in message and "title" in message
    assert api.get("/api/posts/?ordering=-title").status_code == 200


def test_a_20_post_page_is_much_lighter_without_bodies(api, capsys):
    for i in range(20):
        PostFactory(title=f"Post {i}", body=BODY, tags=[TagFactory()])
    full = api.get("/api/posts/").content
    light = api.get("/api/posts/?omit=body,body_html").content
    index = api.get("/api/posts/?fields=id,title,url,excerpt,published_at").content
    assert len(json.loads(full)["results"]) == len(json.loads(light)["results"]) == 20
    assert len(light) < len(full) / 3 and len(index) < len(light)
    with capsys.disabled():
        print(
            f"\n20-post page: {len(full):,} bytes; ?omit=body,body_html {len(light):,}; "
            f"?fields=id,title,url,excerpt,published_at {len(index):,}"
        )


def test_a_long_tag_all_list_is_one_grouped_subquery(api, django_assert_max_num_queries):
    """A join per slug made `?tag_all=` with dozens of slugs a query PostgreSQL spent
    minutes planning (schemathesis found it); now it is one subquery, whatever the list."""
    from blog.api.filters import PostFilter
    from blog.models import Post

    slugs = [f"t{i}" for i in range(60)]
    tags = [TagFactory(slug=slug) for slug in slugs]  # all exist: none is looked up away
    tagged = PostFactory(tags=tags[:2])
    filtered = PostFilter({"tag_all": ",".join(slugs)}, queryset=Post.objects.all()).qs
    assert str(filtered.query).count("JOIN") <= 2
    with django_assert_max_num_queries(8):
        response = api.get("/api/posts/", {"tag_all": ",".join(slugs)})
    assert response.status_code == 200 and response.json()["results"] == []
    response = api.get("/api/posts/", {"tag_all": ",".join(slugs[:2])})
    assert [row["id"] for row in response.json()["results"]] == [tagged.pk]


def test_category_filter_by_id_lists_what_the_slug_join_did(api, api_as, editor):
    """`?category=` looks the ids up first (blog/api/filters.py): the same posts as the
    join by slug it replaced, an unknown slug still a 200 with no posts."""
    news, other = CategoryFactory(slug="news"), CategoryFactory(slug="other")
    CategoryFactory(slug="empty")  # no posts
    for category in (news, news, other, None):
        PostFactory(category=category)
    PostFactory(category=news, draft=True)

    def ids(client, query):
        response = client.get("/api/posts/" + query)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["count"] == len(data["results"])
        return [row["id"] for row in data["results"]]

    def joined(posts, slugs):
        return list(posts.filter(category__slug__in=slugs).values_list("pk", flat=True))

    public, every = Post.objects.public().order_by("-published_at", "-id"), Post.objects.all()
    for slugs in (["news"], ["news", "other"], ["other", "nope"], ["nope"], ["empty"]):
        query = "?category=" + ",".join(slugs)
        assert ids(api, query) == joined(public, slugs)
        assert ids(api_as(editor), query) == joined(every.order_by("-published_at", "-id"), slugs)
    assert len(ids(api, "?category=news")) == 2 and ids(api, "?category=nope") == []
