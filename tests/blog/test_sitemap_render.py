"""Sitemap sections rendered without the template engine say what Django's template says."""

from xml.etree import ElementTree

import pytest
from django.template.loader import render_to_string

from blog.sitemaps import PostSitemap
from pagecache.paginator import DeferredJoinPaginator
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def entries(xml: bytes | str) -> list[dict[str, str]]:
    root = ElementTree.fromstring(xml)
    return [
        {child.tag.split("}")[1]: child.text for child in url} for url in root.findall("sm:url", NS)
    ]


@pytest.mark.parametrize("section", ["home", "posts", "categories", "tags"])
def test_section_matches_djangos_template(client, section):
    tag = TagFactory(name="Fish & Chips")
    PostFactory(title="Harbour <notes>", category=CategoryFactory(name="Sea & sky"), tags=[tag])
    PostFactory(title="Second")

    response = client.get(f"/sitemap-{section}.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    expected = render_to_string("sitemap.xml", {"urlset": response.context_data["urlset"]})
    assert entries(response.content) == entries(expected)
    assert entries(response.content)  # something was listed


def test_pages_past_the_end_are_404(client):
    PostFactory()
    assert client.get("/sitemap-posts.xml?p=2").status_code == 404
    assert client.get("/sitemap-posts.xml?p=x").status_code == 404


def test_post_sections_list_every_public_post_once_newest_first(client, monkeypatch):
    """Files past the first are read by key, the later half from the end (pagecache.paginator)."""
    monkeypatch.setattr(PostSitemap, "limit", 2)
    monkeypatch.setattr(DeferredJoinPaginator, "deep_offset", 0)
    posts = [PostFactory(title=f"Post {i}") for i in range(5)]
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    sections = [
        loc.text.split("/", 3)[3]
        for loc in index.findall("sm:sitemap/sm:loc", NS)
        if "sitemap-posts" in loc.text
    ]
    assert sections == ["sitemap-posts.xml", "sitemap-posts.xml?p=2", "sitemap-posts.xml?p=3"]
    listed = [
        entry["loc"].split("/", 3)[3]
        for section in sections
        for entry in entries(client.get(f"/{section}").content)
    ]
    assert listed == [post.get_absolute_url().lstrip("/") for post in reversed(posts)]
