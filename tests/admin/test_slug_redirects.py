"""Renamed slugs keep old links alive: 301s, chains of renames, no reuse of old addresses."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from blog.models import Category, Tag
from blog.redirects import Redirect
from blog.services import post_publish, post_unpublish
from tests.admin.test_states import change_url, form
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def rename(obj, slug):
    obj.slug = slug
    obj.save()
    cache.clear()  # cached pages are retired on commit, which a test transaction never does


def test_a_public_posts_old_slugs_answer_301_through_a_chain(client):
    post = PostFactory(slug="first")
    rename(post, "second")
    rename(post, "third")
    for old in ["first", "second"]:
        response = client.get(f"/posts/{old}/?utm=x")
        assert response.status_code == 301
        # One hop, not a chain; the visitor's query string goes along.
        assert response["Location"] == "/posts/third/?utm=x"
    assert client.get("/posts/third/").status_code == 200
    # Renaming back frees the address it returns to.
    rename(post, "first")
    assert client.get("/posts/first/").status_code == 200
    assert client.get("/posts/third/")["Location"] == "/posts/first/"


def test_a_draft_never_public_keeps_no_redirect(client):
    post = PostFactory(slug="never-seen", draft=True)
    rename(post, "still-unseen")
    assert client.get("/posts/never-seen/").status_code == 404
    assert not Redirect.objects.exists()


def test_a_post_once_public_then_unpublished_keeps_its_redirect():
    post = PostFactory(slug="was-public")
    post_unpublish(post=post, user=None)
    rename(post, "renamed-in-draft")
    assert Redirect.objects.filter(old_path="/posts/was-public/").exists()


def test_old_slugs_stay_reserved(client_for, editor):
    post = PostFactory(title="Harbour", slug="harbour")
    rename(post, "harbour-lights")
    newcomer = PostFactory(title="Harbour")
    assert newcomer.slug not in ("harbour", "harbour-lights")
    # Typed by hand in the admin: refused with a message.
    response = client_for(editor).post(
        reverse("admin:blog_post_add"),
        form(title="Another", slug="harbour", author=editor.pk, _action="draft"),
    )
    assert response.status_code == 200
    assert "used to belong to another page" in response.content.decode()


def test_the_admin_rename_of_a_public_post_redirects(client, client_for, editor):
    post = PostFactory(slug="old-name")
    client_for(editor).post(
        change_url(post), form(post, slug="new-name", author=post.author.pk, _action="update")
    )
    client.logout()
    assert client.get("/posts/old-name/")["Location"] == "/posts/new-name/"


def test_category_and_tag_slugs_and_their_feeds_follow(client):
    category, tag = CategoryFactory(name="Coast", slug="coast"), TagFactory(name="t", slug="t")
    PostFactory(category=category, tags=[tag])
    rename(category, "shoreline")
    rename(tag, "tides")
    assert client.get("/category/coast/")["Location"] == "/category/shoreline/"
    assert client.get("/category/coast/feed/")["Location"] == "/category/shoreline/feed/"
    assert client.get("/tag/t/")["Location"] == "/tag/tides/"
    assert Category(name="Coast 2").save() is None
    assert Category.objects.get(name="Coast 2").slug != "coast"
    # "T!" would slugify to "t" (a plain "T" is the same name as "t", ignoring case).
    assert Tag.objects.create(name="T!").slug != "t"


def test_api_by_slug_follows_a_rename(client):
    post = PostFactory(slug="api-old")
    rename(post, "api-new")
    response = client.get("/api/posts/by-slug/api-old/")
    assert response.status_code == 301
    assert response["Location"] == "/api/posts/by-slug/api-new/"
    assert client.get(response["Location"]).json()["id"] == post.pk
    assert client.get("/api/posts/by-slug/never-was/").status_code == 404


def test_pages_that_exist_never_look_up_redirects(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    post = PostFactory()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(post.get_absolute_url()).status_code == 200
        assert client.get("/").status_code == 200
    assert not any("blog_redirect" in q["sql"] for q in queries.captured_queries)


def test_a_hidden_posts_old_slug_reveals_nothing(client_for, editor):
    """Public, unpublished, then renamed: the old page and the API's by-slug answer 404
    to anyone who may not see the post (issue 26, finding 5); its editor still follows."""
    post = PostFactory(slug="was-public")
    post_unpublish(post=post, user=None)
    rename(post, "embargoed-new-headline")
    client = Client()  # anonymous
    for url in ("/posts/was-public/", "/api/posts/by-slug/was-public/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "embargoed" not in response.get("Location", "") + response.content.decode()
    assert client_for(editor).get("/posts/was-public/")["Location"] == (
        "/posts/embargoed-new-headline/"
    )
    post_publish(post=post, user=None)
    cache.clear()
    assert client.get("/posts/was-public/")["Location"] == "/posts/embargoed-new-headline/"
    response = client.get("/api/posts/by-slug/was-public/")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/posts/by-slug/embargoed-new-headline/")


def test_a_superuser_adds_a_moved_address_to_a_post_or_a_path_not_both(admin_client, client):
    post = PostFactory(slug="harbour-news")
    rename(post, "harbour-today")
    add = reverse("admin:blog_redirect_add")
    both = admin_client.post(
        add, {"old_path": "/news/harbour/", "new_path": "/about/", "post": post.pk}
    )
    assert "Give either a new path or a post, not both." in both.content.decode()
    neither = admin_client.post(add, {"old_path": "/news/harbour/", "new_path": ""})
    assert "Give either a new path or a post, not both." in neither.content.decode()
    assert (
        admin_client.post(add, {"old_path": "/news/harbour/", "post": post.pk}).status_code == 302
    )
    listing = admin_client.get(reverse("admin:blog_redirect_changelist")).content.decode()
    assert "/news/harbour/" in listing and "/posts/harbour-news/" in listing
    assert client.get("/news/harbour/")["Location"] == "/posts/harbour-today/"
