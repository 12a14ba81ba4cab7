"""Pages (issue 30, point 1): the admin, `/<slug>/`, reserved names, what lists them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from blog.models import Post
from blog.redirects import Redirect
from blog.services import post_create, post_update
from pages.models import Page
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def make_page(author, **fields) -> Page:
    data = {
        "title": "About us",
        "body": "We write about *tides*.",
        "author": author,
        "status": Post.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
        **fields,
    }
    return post_create(post=Page(), data=data, user=None)


def page_form(page=None, **overrides):
    data = {
        "title": page.title if page else "Imprint",
        "slug": page.slug if page else "",
        "body": page.body if page else "Who we are.",
        "excerpt": "",
        "published_at": "",
        "version": page.version if page else "",
    }
    return {**data, **overrides}


# --- the reader's page -----------------------------------------------------------------


def test_public_page_at_the_site_root_with_its_body(client, author):
    page = make_page(author)
    assert page.get_absolute_url() == "/about-us/"
    response = client.get("/about-us/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<em>tides</em>" in html
    assert "<title>About us" in html
    assert 'rel="canonical" href="http://testserver/about-us/"' in html or "/about-us/" in html
    assert "min read" not in html  # no byline, date or reading time on a page


def test_draft_page_is_404_for_readers_and_a_preview_for_its_writer(client, client_for, author):
    make_page(author, status=Post.Status.DRAFT, published_at=None, title="Soon")
    assert client.get("/soon/").status_code == 404
    response = client_for(author).get("/soon/")
    assert response.status_code == 200
    assert "Preview: this page is draft" in response.content.decode()
    assert 'name="robots" content="noindex"' in response.content.decode()


def test_scheduled_page_stays_hidden_until_its_time(client, author):
    make_page(author, title="Later", published_at=timezone.now() + timedelta(days=1))
    assert client.get("/later/").status_code == 404


def test_a_post_slug_at_the_root_is_not_a_page(client, author):
    PostFactory(title="Plain post", author=author)
    assert client.get("/plain-post/").status_code == 404


def test_page_is_cached_for_anonymous_readers_in_constant_queries(
    client, author, django_assert_num_queries
):
    make_page(author)
    first = client.get("/about-us/")
    assert first.status_code == 200
    assert "public" in first.headers.get("Cache-Control", "") or first.headers.get("Cache-Control")
    with django_assert_num_queries(0):
        again = client.get("/about-us/")  # from the page cache
    assert again.content == first.content


def test_page_reads_in_a_constant_number_of_queries(
    client_for, editor, author, django_assert_num_queries
):
    make_page(author)
    viewer = client_for(editor)  # signed in: never from the page cache
    viewer.get("/about-us/")
    with django_assert_num_queries(3):  # session, user, the page with its cover
        assert viewer.get("/about-us/").status_code == 200


def test_renamed_page_redirects_from_its_old_address(client, author):
    page = make_page(author)
    post_update(post=page, data={"slug": "who-we-are"}, user=None)
    assert Redirect.objects.filter(old_path="/about-us/", new_path="/who-we-are/").exists()
    response = client.get("/about-us/")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/who-we-are/")


# --- reserved names ----------------------------------------------------------------------


def test_reserved_names_come_from_the_routes():
    from blog.slugs import root_names

    names = root_names()
    for name in ("posts", "category", "tag", "author", "archive", "search", "feed", "admin"):
        assert name in names
    for name in ("accounts", "api", "healthz", "members", "preview", "comments", "static"):
        assert name in names
    assert "about" not in names


def test_page_made_from_a_reserved_title_gets_another_address(author):
    page = make_page(author, title="Admin")
    assert page.slug == "admin-2"
    post = PostFactory(title="Admin", author=author)  # a post lives under /posts/: free
    assert post.slug == "admin"


def test_admin_refuses_a_reserved_slug_with_a_clear_message(client_for, editor):
    response = client_for(editor).post(
        reverse("admin:pages_page_add"), page_form(slug="admin", author=editor.pk)
    )
    assert response.status_code == 200
    assert "“admin” is used by the site itself; pick another address." in (
        response.content.decode()
    )
    assert not Page.objects.exists()
    response = client_for(editor).post(
        reverse("admin:pages_page_add"), page_form(slug="Admin", author=editor.pk)
    )
    assert "“Admin” is used by the site itself" in response.content.decode()  # any case
    assert not Page.objects.exists()


def test_api_refuses_a_reserved_slug(editor):
    client = APIClient()
    client.force_authenticate(editor)
    response = client.post(
        "/api/pages/", {"title": "Feed", "body": "x", "slug": "feed"}, format="json"
    )
    assert response.status_code == 400
    assert "used by the site itself" in str(response.json())


# --- the admin ---------------------------------------------------------------------------


def test_editor_adds_and_publishes_a_page_without_filing_fields(client_for, editor):
    client = client_for(editor)
    form_page = client.get(reverse("admin:pages_page_add")).content.decode()
    assert 'name="category"' not in form_page and 'name="tags"' not in form_page
    assert 'name="cover_image"' in form_page
    response = client.post(
        reverse("admin:pages_page_add"),
        page_form(author=editor.pk, _action="publish"),
    )
    assert response.status_code == 302
    page = Page.objects.get()
    assert (page.kind, page.slug, page.is_public) == ("page", "imprint", True)
    assert response.headers["Location"] == reverse("admin:pages_page_change", args=[page.pk])
    assert not Post.objects.filter(pk=page.pk).exists()  # not a post


def test_contributor_has_no_page_admin_and_author_may_only_edit_own(
    client_for, contributor, author, other_author
):
    assert client_for(contributor).get(reverse("admin:pages_page_changelist")).status_code == 403
    theirs = make_page(other_author, title="Theirs")
    client = client_for(author)
    assert client.get(reverse("admin:pages_page_changelist")).status_code == 200
    assert client.get(reverse("admin:pages_page_change", args=[theirs.pk])).status_code == 302


def test_page_admin_has_autosave_preview_and_image_chooser(client_for, editor, author):
    page = make_page(author, status=Post.Status.DRAFT, published_at=None)
    client = client_for(editor)
    html = client.get(reverse("admin:pages_page_change", args=[page.pk])).content.decode()
    assert reverse("admin:page_autosave", args=[page.pk]) in html
    assert reverse("admin:page_preview") in html
    saved = client.post(
        reverse("admin:page_autosave", args=[page.pk]),
        page_form(page, body="Autosaved words."),
    )
    assert saved.status_code == 200
    from editorial.models import Autosave

    assert Autosave.objects.get(post=page).body == "Autosaved words."
    preview = client.post(reverse("admin:page_preview"), {"post": page.pk, "body": "**Bold**"})
    assert "<strong>Bold</strong>" in preview.json()["html"]


def test_the_post_admin_does_not_show_pages(client_for, editor, author):
    page = make_page(author)
    client = client_for(editor)
    assert client.get(reverse("admin:blog_post_change", args=[page.pk])).status_code == 302
    assert "About us" not in client.get(reverse("admin:blog_post_changelist")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_page_history_and_restore(client_for, editor, author):
    from editorial import revisions

    page = make_page(author, title="First title")
    client = client_for(editor)
    response = client.post(
        reverse("admin:pages_page_change", args=[page.pk]),
        page_form(page, title="Second title", author=author.pk, _action="update"),
    )
    assert response.status_code == 302
    versions = list(revisions.post_versions(page))
    assert len(versions) >= 2
    history = client.get(reverse("admin:pages_page_history", args=[page.pk])).content.decode()
    assert "Second title" in history and "First title" in history
    oldest = versions[-1]
    restore = reverse("admin:page_restore", args=[page.pk, oldest.pk])
    assert restore in history
    assert client.post(restore).status_code == 302
    page.refresh_from_db()
    assert page.title == "First title"


# --- where pages are not, and where they are ---------------------------------------------


def test_public_page_is_in_no_post_listing_feed_or_count(client, author):
    make_page(author, title="Hidden from lists", body="unique-word-zebra")
    PostFactory(title="A real post", author=author)
    for url in (
        "/",
        "/posts/",
        "/archive/",
        f"/author/{author.username}/",
        "/feed/",
        "/feed/atom/",
    ):
        body = client.get(url).content.decode()
        assert "Hidden from lists" not in body, url
        assert "A real post" in body or url == "/archive/", url
    api = client.get("/api/posts/", HTTP_ACCEPT="application/json").json()
    assert [post["title"] for post in api["results"]] == ["A real post"]
    assert Post.objects.public().count() == 1


def test_page_is_in_the_sitemap(client, author):
    make_page(author)
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-pages.xml" in index
    section = client.get("/sitemap-pages.xml").content.decode()
    assert "/about-us/</loc>" in section


def test_search_finds_pages_marked_as_such(client, author):
    make_page(author, title="Contact", body="Write to the harbourmaster.")
    response = client.get("/search/", {"q": "harbourmaster"})
    html = response.content.decode()
    assert 'href="/contact/"' in html
    assert '<span class="kind">Page</span>' in html


def test_unpublished_page_leaves_no_tombstone_for_post_mirrors(author):
    from blog.models import PostTombstone

    page = make_page(author)
    post_update(post=page, data={"status": Post.Status.DRAFT, "published_at": None}, user=None)
    assert not PostTombstone.objects.exists()


# --- /api/pages/ -------------------------------------------------------------------------


def test_api_lists_public_pages_to_everyone(author):
    make_page(author)
    make_page(author, title="Draft page", status=Post.Status.DRAFT, published_at=None)
    PostFactory(author=author)
    data = APIClient().get("/api/pages/").json()
    assert [page["title"] for page in data["results"]] == ["About us"]
    assert data["results"][0]["url"].endswith("/about-us/")
    assert "category" not in data["results"][0] and "tags" not in data["results"][0]


def test_api_author_creates_and_updates_a_page_with_if_match(author, contributor):
    client = APIClient()
    client.force_authenticate(contributor)
    assert (
        client.post("/api/pages/", {"title": "No", "body": "x"}, format="json").status_code == 403
    )
    client.force_authenticate(author)
    created = client.post(
        "/api/pages/", {"title": "Colophon", "body": "Set in type."}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.headers["Location"].endswith(f"/api/pages/{created.json()['id']}/")
    page = Page.objects.get(slug="colophon")
    etag = created.headers["ETag"]
    stale = client.patch(
        f"/api/pages/{page.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH='"stale"'
    )
    assert stale.status_code == 412
    ok = client.patch(
        f"/api/pages/{page.pk}/", {"title": "Colophon!"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200
    refused = client.patch(f"/api/pages/{page.pk}/", {"category_id": 1}, format="json")
    assert refused.status_code == 400  # strict fields: no filing on pages


def test_pages_send_no_post_webhooks(author):
    from blog.services import post_delete, post_unpublish
    from blog.sweep import publish_sweep
    from webhooks.models import Delivery, Endpoint

    Endpoint.objects.create(url="https://hooks.example.com/in")
    page = make_page(author)
    publish_sweep()  # announced like a post (caches retired), but no `post.published`
    post_update(post=page, data={"title": "About us, again"}, user=None)
    post_unpublish(post=page, user=None)
    post_update(post=page, data={"status": Post.Status.PUBLISHED}, user=None)
    post_delete(post=page, user=None)
    assert not Delivery.objects.exists()
    PostFactory(author=author)
    publish_sweep()
    assert list(Delivery.objects.values_list("event", flat=True)) == ["post.published"]


def test_a_page_has_the_posts_expiry_co_authors_and_seo_fields_in_the_admin(
    client_for, editor, author, other_author
):
    """The page form shows every field it saves: a field missing from it would be saved
    blank, clearing a page's expiry or co-authors set elsewhere (the API)."""
    page = make_page(author)
    client = client_for(editor)
    url = reverse("admin:pages_page_change", args=[page.pk])
    html = client.get(url).content.decode()
    for name in ("expires_at", "coauthors", "meta_title", "canonical_url", "noindex"):
        assert f'name="{name}"' in html, name
    later = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = page_form(
        page,
        author=author.pk,
        expires_at=later,
        coauthors=other_author.username,
        meta_title="About the harbour",
        _action="update",
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    page.refresh_from_db()
    assert page.expires_at is not None and page.meta_title == "About the harbour"
    assert [user.pk for user in page.authors_in_order] == [author.pk, other_author.pk]


def test_an_expired_page_is_no_tombstone_for_post_mirrors(author, time_machine):
    from blog.api.sync import tombstones_since
    from blog.models import PostTombstone
    from blog.sweep import expiry_sweep

    now = timezone.now()
    time_machine.move_to(now, tick=False)
    page = make_page(author, expires_at=now + timedelta(minutes=5))
    time_machine.move_to(now + timedelta(hours=1), tick=False)
    expiry_sweep()
    assert PostTombstone.objects.filter(post_id=page.pk).exists()  # the sweep's record
    rows, _cursor = tombstones_since(None, 100)
    assert page.pk not in [row["id"] for row in rows]
