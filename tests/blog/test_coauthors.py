"""Co-authors: a post has one or more authors in order; bylines, author pages, feeds,
JSON-LD, permissions and the admin follow, in a constant number of queries."""

from __future__ import annotations

import json
import re
from importlib import import_module

import feedparser
import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog import permissions
from blog.models import Post, PostAuthor
from blog.services import post_bulk_create, post_create, post_update
from core.sitevalues import forget as forget_site_values
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    ContributorFactory,
    PostFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio():
    return [
        AuthorFactory(username="ada", display_name="Ada"),
        AuthorFactory(username="bea", display_name="Bea"),
        AuthorFactory(username="cyd", display_name="Cyd"),
    ]


def byline(post: Post) -> list[str]:
    return list(
        PostAuthor.objects.filter(post=post)
        .order_by("position")
        .values_list("user__username", flat=True)
    )


def test_the_services_keep_the_ordered_byline_and_the_lead_in_step(trio):
    ada, bea, cyd = trio
    post = PostFactory(author=ada, authors=[ada, bea, cyd])
    assert post.author == ada and byline(post) == ["ada", "bea", "cyd"]
    post_update(post=post, data={"authors": [cyd, ada]}, user=None)
    post.refresh_from_db()
    assert post.author == cyd and byline(post) == ["cyd", "ada"]
    # A new lead alone: the co-authors stay, after the lead, each once.
    post_update(post=post, data={"author": ada}, user=None)
    post.refresh_from_db()
    assert post.author == ada and byline(post) == ["ada"]
    post_update(post=post, data={"authors": [ada, bea, ada]}, user=None)
    post_update(post=post, data={"author": cyd}, user=None)
    assert byline(post) == ["cyd", "bea"]
    # The bulk path (importers) likewise.
    [bulk] = post_bulk_create(
        posts=[Post(title="Bulk", body="b", author=bea)], author_ids=[[bea.pk, ada.pk]]
    )
    assert bulk.author_id == bea.pk and byline(bulk) == ["bea", "ada"]
    # Without a byline given: the author alone, at position 0.
    single = post_create(data={"title": "Solo", "body": "b"}, user=cyd)
    assert byline(single) == ["cyd"]


def test_the_migration_gives_every_existing_post_its_author_at_position_0(trio):
    posts = [PostFactory(author=author) for author in trio]
    PostAuthor.objects.all().delete()  # as before the migration
    import_module("blog.migrations.0013_expiry_and_coauthors").lead_authors(apps, None)
    assert [byline(post) for post in posts] == [["ada"], ["bea"], ["cyd"]]


def test_bylines_author_pages_feeds_and_json_ld_name_every_author_in_order(client, trio):
    ada, bea, cyd = trio
    post = PostFactory(title="Written together", author=ada, authors=[ada, bea, cyd])
    page = client.get(post.get_absolute_url()).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "by Ada, Bea and Cyd" in " ".join(text.split())
    assert page.count('rel="author"') >= 3
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert [person["name"] for person in data["author"]] == ["Ada", "Bea", "Cyd"]
    assert data["author"][1]["url"].endswith("/author/bea/")
    home = " ".join(re.sub(r"<[^>]+>", "", client.get("/").content.decode()).split())
    assert "by Ada, Bea and Cyd" in home
    two = PostFactory(title="Two of us", author=bea, authors=[bea, cyd])
    assert "by Bea and Cyd" in " ".join(
        re.sub(r"<[^>]+>", "", client.get(two.get_absolute_url()).content.decode()).split()
    )
    # A co-author's page lists the post; so do the API's `?author=` and the profiles.
    for username in ("ada", "bea", "cyd"):
        assert post.title in client.get(f"/author/{username}/").content.decode(), username
    found = client.get("/api/posts/?author=cyd", HTTP_ACCEPT="application/json").json()
    assert {row["title"] for row in found["results"]} == {post.title, two.title}
    assert client.get("/api/authors/cyd/").json()["post_count"] == 2
    rss = client.get("/feed/").content.decode()
    entry = rss[rss.index("<item><title>Written together") :]
    entry = entry[: entry.index("</item>")]
    assert re.findall(r"<dc:creator[^>]*>([^<]+)</dc:creator>", entry) == ["Ada", "Bea", "Cyd"]
    atom = feedparser.parse(client.get("/feed/atom/").content)
    together = next(e for e in atom.entries if e.title == "Written together")
    assert [author.name for author in together.authors] == ["Ada", "Bea", "Cyd"]
    assert "/author/cyd/" in client.get("/sitemap-authors.xml").content.decode()


def test_any_listed_author_may_edit_like_the_owner(client_for, trio):
    ada, bea, cyd = trio
    helper = ContributorFactory(username="helper")
    draft = PostFactory(author=ada, authors=[ada, helper], draft=True)
    published = PostFactory(author=ada, authors=[ada, bea])
    assert permissions.can_change(bea, published) and permissions.can_view(helper, draft)
    assert permissions.can_change(helper, draft)
    assert not permissions.can_change(helper, published)  # a Contributor's work is done
    assert not permissions.can_change(cyd, published) and not permissions.can_view(cyd, draft)
    # Each post once in a writer's list, lead or co-author.
    assert list(permissions.visible_posts(helper).filter(pk=draft.pk)) == [draft]
    assert set(permissions.own_or_all_posts(bea)) == {published}
    # The admin: the co-author opens and saves it; someone else may not.
    client = client_for(bea)
    url = f"/admin/blog/post/{published.pk}/change/"
    assert client.get(url).status_code == 200
    assert client_for(cyd).get(url).status_code in (302, 403, 404)
    assert published.title in client_for(bea).get("/admin/blog/post/").content.decode()


def test_the_admin_sets_the_co_authors_in_order(client_for, editor, trio):
    ada = trio[0]
    post = PostFactory(author=ada)
    client = client_for(editor)
    url = f"/admin/blog/post/{post.pk}/change/"
    data = {
        "title": post.title,
        "slug": post.slug,
        "body": post.body,
        "excerpt": "",
        "category": "",
        "tags": [],
        "published_at": "",
        "expires_at": "",
        "author": ada.pk,
        "version": post.version,
        "_action": "update",
    }
    response = client.post(url, {**data, "coauthors": "cyd, nobody"})
    assert response.status_code == 200
    assert "No active user is called “nobody”." in response.content.decode()
    response = client.post(url, {**data, "coauthors": "Cyd, bea, ada"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert byline(post) == ["ada", "cyd", "bea"]
    assert 'value="cyd, bea"' in client.get(url).content.decode()
    listing = client.get("/admin/blog/post/").content.decode()
    assert "Ada, Cyd, Bea" in listing


def _queries(client, url: str) -> int:
    cache.clear()
    forget_site_values()  # the page as built from nothing, site settings included
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, HTTP_ACCEPT="*/*").status_code == 200, url
    return len(context.captured_queries)


def test_pages_stay_constant_in_queries_with_1_and_5_co_authored_posts(client):
    writers = [AuthorFactory(username=f"w{i}") for i in range(6)]
    category, tag = CategoryFactory(), TagFactory()

    def add(n: int) -> Post:
        for _ in range(n):
            post = PostFactory(
                author=writers[0], authors=writers[:4], category=category, tags=[tag]
            )
        return post

    first = add(1)
    urls = ["/", "/author/w1/", "/api/posts/", "/feed/", first.get_absolute_url()]
    with_one = [_queries(client, url) for url in urls]
    last = add(4)
    urls[-1] = last.get_absolute_url()
    with_five = [_queries(client, url) for url in urls]
    assert with_one == with_five
