"""Header menu, the archive index at /archive/, and archives in the sitemap."""

import re
from datetime import datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from tests.factories import AuthorFactory, CategoryFactory, PostFactory

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def at(year: int, month: int, day: int = 10):
    return datetime(year, month, day, 12, tzinfo=timezone.get_current_timezone())


def test_header_lists_categories_by_public_post_count(client, settings):
    busy, quiet, hidden = (CategoryFactory(name=n) for n in ("Busy", "Quiet", "Hidden"))
    PostFactory.create_batch(3, category=busy)
    PostFactory(category=quiet)
    PostFactory.create_batch(5, category=hidden, draft=True)
    html = client.get("/").content.decode()
    menu = html[
        html.index('class="categories"') : html.index("</nav>", html.index('class="categories"'))
    ]
    assert re.findall(r'<a href="/category/[^"]+/">([^<]+)</a>', menu) == ["Busy", "Quiet"]
    assert 'href="/archive/"' in menu
    assert settings.SITE_DESCRIPTION in html[: html.index("</header>")]


def test_archive_index_counts_public_posts_by_month(client):
    PostFactory.create_batch(2, published_at=at(2025, 3))
    PostFactory(published_at=at(2025, 11))
    PostFactory(published_at=at(2024, 12, 31))
    PostFactory(published_at=at(2025, 3), draft=True)
    response = client.get("/archive/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h2 id="year-2025">2025</h2>' in html and '<h2 id="year-2024">2024</h2>' in html
    rows = re.findall(
        r'<a href="(/archive/\d+/\d+/)">([^<]+)</a> <span class="count">\((\d+) post', html
    )
    assert rows == [
        ("/archive/2025/11/", "November 2025", "1"),
        ("/archive/2025/3/", "March 2025", "2"),
        ("/archive/2024/12/", "December 2024", "1"),
    ]
    assert "4 posts, by month." in html
    month = client.get("/archive/2025/3/").content.decode()
    assert month.count('class="post-summary"') == 2


def test_archive_index_queries_are_constant(client, django_assert_max_num_queries):
    for year in range(2015, 2025):
        PostFactory(published_at=at(year, 6))
    with django_assert_max_num_queries(4):  # months, header categories, page cache, settings
        assert client.get("/archive/").status_code == 200


def test_sitemap_lists_authors_and_months_with_public_posts(client):
    AuthorFactory(username="drafter")
    writer = AuthorFactory(username="writer")
    PostFactory(author=writer, published_at=at(2025, 3))
    PostFactory(author=AuthorFactory(username="planner"), scheduled=True)
    locations = []
    for section in ("authors", "months", "home"):
        root = ElementTree.fromstring(client.get(f"/sitemap-{section}.xml").content)
        locations += [
            loc.text.split("://", 1)[1].split("/", 1)[1]
            for loc in root.findall("sm:url/sm:loc", NS)
        ]
    assert "author/writer/" in locations
    assert "archive/2025/3/" in locations
    assert "archive/" in locations
    assert not any("drafter" in loc or "planner" in loc for loc in locations)
