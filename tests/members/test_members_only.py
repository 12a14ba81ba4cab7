"""Members-only posts (issue 31, point 3): who gets the body, wherever a body shows.

Anonymous readers get the title, byline, cover, excerpt and a sign-up call; signed-in
members and staff get the body. The page cache never hands one's page to the other.
"""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from django.test import Client
from rest_framework.test import APIClient

from blog.models import Post
from blog.services import post_create, post_update
from core.origin import site_url
from newsletters.models import Newsletter
from pages.models import Page
from previews.services import preview_link_create
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

SECRET = "The vault combination is nine nine four."
BODY = f"## First\n\nOpening words.\n\n## Second\n\n{SECRET}\n\n## Third\n\nClosing words."
EXCERPT = "A teaser anyone may read."
PASSWORD = "correct-horse-battery"


@pytest.fixture
def locked_post(db) -> Post:
    return PostFactory(
        title="Members dispatch", body=BODY, excerpt=EXCERPT, audience=Post.Audience.MEMBERS
    )


def _page(client: Client, post: Post):
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response, response.content.decode()


def _json_ld(html: str) -> dict:
    [script] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(script)


# Post page ---------------------------------------------------------------------------


def test_an_anonymous_reader_gets_title_excerpt_and_sign_up_call_never_the_body(
    client, locked_post
):
    _, html = _page(client, locked_post)
    assert "Members dispatch" in html and EXCERPT in html
    assert locked_post.author.public_name in html  # the byline
    assert "This post is for members" in html
    assert 'action="/members/signup/"' in html and 'name="email"' in html
    assert 'href="/members/signin/"' in html
    assert SECRET not in html and "Opening words" not in html
    assert 'class="toc"' not in html and 'class="post-body"' not in html


@pytest.mark.parametrize("reader", ["member", "staff"])
def test_members_and_staff_get_the_whole_post(client, member_client, editor, locked_post, reader):
    if reader == "staff":
        client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
        browser = client
    else:
        browser = member_client
    response, html = _page(browser, locked_post)
    assert SECRET in html and 'class="toc"' in html
    assert "This post is for members" not in html
    assert "private" in response["Cache-Control"] and "X-Page-Cache" not in response


def test_a_post_for_everyone_shows_its_body_to_anyone(client):
    post = PostFactory(body=BODY)
    assert SECRET in _page(client, post)[1]


def test_a_pending_member_or_a_stale_session_reads_as_anonymous(member, member_client, locked_post):
    member.session_epoch += 1  # "sign out everywhere"
    member.save(update_fields=["session_epoch"])
    assert SECRET not in _page(member_client, locked_post)[1]


def test_json_ld_marks_the_body_as_for_members_and_never_holds_it(
    client, member_client, locked_post
):
    for browser in (client, member_client):
        data = _json_ld(_page(browser, locked_post)[1])
        assert data["isAccessibleForFree"] is False
        assert data["hasPart"] == {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": ".post-body",
        }
        assert SECRET not in json.dumps(data)
    # The selector names the element members get the body in.
    assert '<div class="post-body">' in _page(member_client, locked_post)[1]
    free = _json_ld(_page(client, PostFactory(body=BODY))[1])
    assert "isAccessibleForFree" not in free and "hasPart" not in free


# The page cache and the fragments ----------------------------------------------------


def test_a_members_page_never_reaches_an_anonymous_reader(client, member_client, locked_post):
    member_response, member_html = _page(member_client, locked_post)
    assert SECRET in member_html and "X-Page-Cache" not in member_response
    first, first_html = _page(client, locked_post)
    assert first["X-Page-Cache"] == "miss" and SECRET not in first_html
    again, again_html = _page(client, locked_post)
    assert again["X-Page-Cache"] == "hit" and SECRET not in again_html
    assert "This post is for members" in again_html


def test_an_anonymous_page_in_the_cache_never_reaches_a_member(client, member_client, locked_post):
    first, html = _page(client, locked_post)
    assert first["X-Page-Cache"] == "miss" and SECRET not in html
    assert _page(client, locked_post)[0]["X-Page-Cache"] == "hit"
    response, member_html = _page(member_client, locked_post)
    assert "X-Page-Cache" not in response and SECRET in member_html


def test_the_cached_pieces_keep_both_articles_apart(client, member_client, locked_post, settings):
    """With the page cache off, every request is rendered from the cached pieces
    (blog.fragments.post_page): whoever fills them, each reader gets their own article."""
    settings.PAGE_CACHE_SECONDS = 0
    for browser, sees_body in [(member_client, True), (client, False), (member_client, True)]:
        assert (SECRET in _page(browser, locked_post)[1]) is sees_body


def test_anonymous_query_count_is_that_of_any_post(client, locked_post, django_assert_num_queries):
    free = PostFactory(body=BODY)
    for post in (free, locked_post):  # fill the cached pieces and the menu
        client.get(post.get_absolute_url(), HTTP_CACHE_CONTROL="no-cache")
    with django_assert_num_queries(0):  # page cache hits
        client.get(free.get_absolute_url())
        client.get(locked_post.get_absolute_url())


# Listings, search, feeds, sitemap ----------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/posts/", "/archive/{year}/{month:02d}/", "category"])
def test_listings_show_the_excerpt_and_a_members_marker(client, locked_post, path):
    if path == "category":
        path = locked_post.category.get_absolute_url()
    path = path.format(year=locked_post.published_at.year, month=locked_post.published_at.month)
    html = client.get(path).content.decode()
    assert "Members dispatch" in html and EXCERPT in html
    assert '<span class="members-marker">Members</span>' in html
    assert SECRET not in html


def test_a_derived_excerpt_is_the_public_teaser(client):
    post = PostFactory(body="Opening lines anyone reads.", audience=Post.Audience.MEMBERS)
    assert post.summary.startswith("Opening lines")
    assert "Opening lines anyone reads." in _page(client, post)[1]


def test_search_never_matches_nor_shows_a_members_only_body(client, member_client, locked_post):
    for browser in (client, member_client):
        found = browser.get("/search/", {"q": "vault combination"}).content.decode()
        assert "0 results" in found and SECRET not in found
    by_title = client.get("/search/", {"q": "dispatch"}).content.decode()
    assert "1 result" in by_title and EXCERPT in by_title and SECRET not in by_title
    assert '<span class="members-marker">Members</span>' in by_title
    # The same words in a post for everyone are found (another query: the count of the
    # first stays memoised until the commit this test's transaction never makes).
    PostFactory(body=SECRET)
    assert "1 result" in client.get("/search/", {"q": "combination vault"}).content.decode()


def test_opening_a_post_to_everyone_makes_its_body_searchable(client, editor, locked_post):
    post_update(post=locked_post, data={"audience": Post.Audience.EVERYONE}, user=editor)
    assert "1 result" in client.get("/search/", {"q": "vault combination"}).content.decode()


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "category"])
def test_feeds_carry_the_excerpt_and_a_members_only_note(client, locked_post, url):
    if url == "category":
        url = f"/category/{locked_post.category.slug}/feed/"
    PostFactory(title="Open letter", body="Everyone reads **this**.", category=locked_post.category)
    feed = feedparser.parse(client.get(url).content)
    assert not feed.bozo, feed.bozo_exception
    entries = {entry.title: entry for entry in feed.entries}
    locked = entries["Members dispatch"]
    text = locked.get("summary") or locked.content[0].value
    assert EXCERPT in text and "members only" in text and SECRET not in text
    assert f'href="{site_url(locked_post.get_absolute_url())}"' in text
    opened = entries["Open letter"]
    assert "<strong>this</strong>" in (opened.get("summary") or opened.content[0].value)


def test_the_sitemap_lists_members_only_posts(client, locked_post):
    """docs/members.md: their page is public (a teaser), so it stays in the sitemap."""
    index = client.get("/sitemap.xml").content.decode()
    [posts] = [url for url in re.findall(r"<loc>([^<]+)</loc>", index) if "posts" in url]
    assert locked_post.get_absolute_url() in client.get(posts).content.decode()


# API ---------------------------------------------------------------------------------


def _token_client(user) -> APIClient:
    api = APIClient()
    response = api.post(
        "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return api


def test_the_api_nulls_the_body_for_anonymous_clients_only(editor, member_client, locked_post):
    anonymous = APIClient()
    detail = anonymous.get(f"/api/posts/{locked_post.pk}/").json()
    assert detail["audience"] == "members" and detail["excerpt"] == EXCERPT
    assert detail["body"] is None and detail["body_html"] is None
    listed = {post["id"]: post for post in anonymous.get("/api/posts/").json()["results"]}
    assert listed[locked_post.pk]["body"] is None and listed[locked_post.pk]["body_html"] is None
    assert SECRET not in anonymous.get("/api/posts/published/").content.decode()
    assert SECRET not in anonymous.get(f"/api/posts/by-slug/{locked_post.slug}/").content.decode()
    # Cached for anonymous clients, and still without the body.
    assert anonymous.get(f"/api/posts/{locked_post.pk}/")["X-Page-Cache"] == "hit"
    staff = _token_client(editor).get(f"/api/posts/{locked_post.pk}/").json()
    assert staff["body"] == BODY and SECRET in staff["body_html"]
    member = member_client.get(f"/api/posts/{locked_post.pk}/", HTTP_ACCEPT="application/json")
    assert SECRET in member.json()["body_html"]


def test_the_schema_says_the_body_may_be_null_in_responses_only(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    post = schema["components"]["schemas"]["Post"]["properties"]
    request = schema["components"]["schemas"]["PostRequest"]["properties"]
    assert post["body"]["type"] == ["string", "null"] and post["body_html"]["type"] == [
        "string",
        "null",
    ]
    assert request["body"]["type"] == "string"
    assert set(post["audience"]) >= {"enum"} or "$ref" in json.dumps(post["audience"])
    assert (
        "newsletter" in request
        and "newsletter" not in schema["components"]["schemas"]["Page"]["properties"]
    )


def test_the_api_writes_audience_and_an_active_per_post_newsletter(editor):
    api = _token_client(editor)
    weekly = Newsletter.objects.create(name="Weekly", slug="weekly", cadence="weekly")
    archived = Newsletter.objects.create(name="Old", slug="old", active=False)
    letters = Newsletter.objects.create(name="Letters", slug="letters")
    created = api.post(
        "/api/posts/",
        {"title": "New", "body": "Text.", "audience": "members", "newsletter": letters.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert (created.json()["audience"], created.json()["newsletter"]) == ("members", letters.pk)
    post = Post.objects.get(pk=created.json()["id"])
    assert (post.audience, post.newsletter_id) == ("members", letters.pk)
    url = f"/api/posts/{post.pk}/"
    for refused in (weekly, archived):
        response = api.patch(url, {"newsletter": refused.pk}, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 400, response.content
        assert "newsletter" in json.dumps(response.json())
    unknown = api.patch(url, {"newsletter": 999999}, format="json", HTTP_IF_MATCH="*")
    assert unknown.status_code == 409
    bad = api.patch(url, {"audience": "friends"}, format="json", HTTP_IF_MATCH="*")
    assert bad.status_code == 400
    cleared = api.patch(url, {"newsletter": None}, format="json", HTTP_IF_MATCH="*")
    assert cleared.status_code == 200 and cleared.json()["newsletter"] is None


# Pages, previews, admin --------------------------------------------------------------


def test_a_members_only_page_is_locked_for_anonymous_readers(client, member_client, editor):
    page = post_create(
        post=Page(),
        data={
            "title": "Handbook", "body": BODY, "excerpt": EXCERPT, "audience": "members",
            "status": Post.Status.PUBLISHED, "author": editor,
        },
        user=editor,
    )  # fmt: skip
    anonymous = client.get(page.get_absolute_url()).content.decode()
    assert EXCERPT in anonymous and "This post is for members" in anonymous
    assert SECRET not in anonymous
    assert _json_ld(anonymous)["isAccessibleForFree"] is False
    assert SECRET in member_client.get(page.get_absolute_url()).content.decode()


def test_a_preview_link_shows_the_whole_members_only_draft(client, author):
    draft = PostFactory(author=author, body=BODY, audience=Post.Audience.MEMBERS, draft=True)
    link = preview_link_create(post=draft, user=author)
    html = client.get(f"/preview/{link.token}/").content.decode()
    assert SECRET in html and "This post is for members" not in html


def test_the_post_form_offers_audience_and_only_active_per_post_newsletters(client, editor):
    Newsletter.objects.create(name="Letters", slug="letters")
    Newsletter.objects.create(name="Weekly digest", slug="weekly", cadence="weekly")
    Newsletter.objects.create(name="Archived one", slug="old", active=False)
    client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get("/admin/blog/post/add/").content.decode()
    assert 'name="audience"' in html and "Audience and newsletter" in html
    select = html.split('name="newsletter"', 1)[1].split("</select>", 1)[0]
    assert "Letters" in select and "Weekly digest" not in select and "Archived one" not in select
    assert "at the scheduled time" in html  # the newsletter's help text
    assert "members-only posts too" in html  # the excerpt is the public teaser
    listing = client.get("/admin/blog/post/", {"audience__exact": "members"})
    assert listing.status_code == 200
    page_form = client.get("/admin/pages/page/add/").content.decode()
    assert 'name="audience"' in page_form and 'name="newsletter"' not in page_form


def test_the_api_tags_the_teaser_apart_so_signing_in_never_gets_a_304_for_it(client, member_client):
    """An anonymous client holds the teaser (body null) under its own tag; the same
    version read by a member is another representation, so their If-None-Match with the
    teaser's tag is answered with the body, not a 304."""
    post = PostFactory(audience=Post.Audience.MEMBERS, body="Only for members to read.")
    url = f"/api/posts/{post.pk}/"
    teaser = client.get(url, HTTP_ACCEPT="application/json")
    assert teaser.json()["body"] is None
    tag = teaser["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    full = member_client.get(url, HTTP_ACCEPT="application/json", HTTP_IF_NONE_MATCH=tag)
    assert full.status_code == 200 and full.json()["body"] == "Only for members to read."
    assert full["ETag"] != tag and "Cookie" in full["Vary"]
    assert member_client.get(url, HTTP_IF_NONE_MATCH=full["ETag"]).status_code == 304
