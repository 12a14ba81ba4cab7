"""Search engines and social cards: the writer's SEO fields on the post page, their
fallbacks (blog.seo), "hide from search engines" and the sitemap, and the page's queries."""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from blog.models import Post
from blog.seo import post_seo, validate_canonical_url
from blog.services import post_update
from tests.factories import PostFactory
from tests.images.conftest import make_image  # noqa: F401  (the image fixture)

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def page(client, post: Post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found and found.group(1)


def head(html: str) -> dict:
    """What a crawler reads of the page's head."""
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return {
        "title": re.search(r"<title>(.*?)</title>", html, re.S).group(1),
        "description": meta(html, "description"),
        "canonical": re.search(r'<link rel="canonical" href="([^"]*)"', html).group(1),
        "og:title": meta(html, "og:title"),
        "og:description": meta(html, "og:description"),
        "og:url": meta(html, "og:url"),
        "og:image": meta(html, "og:image"),
        "robots": meta(html, "robots"),
        "json_ld": json.loads(json_ld.group(1)) if json_ld else None,
    }


# --- the resolver ------------------------------------------------------------------------


def test_blank_fields_fall_back_to_what_the_post_shows():
    post = Post(title="Tides", excerpt="", summary="Low water at six.")
    seo = post_seo(post, canonical_url="https://news.example/posts/tides/", site_name="Harbour")
    assert seo.title == "Tides · Harbour"
    assert seo.description == "Low water at six."
    assert seo.canonical_url == "https://news.example/posts/tides/"
    assert (seo.social_title, seo.social_description) == ("Tides", "Low water at six.")
    assert seo.social_image is None and seo.noindex is False


def test_written_fields_win_and_the_card_text_falls_back_to_the_meta_description():
    post = Post(
        title="Tides",
        summary="Low water at six.",
        meta_title="Tide tables for May | Harbour News",
        meta_description="Every high and low water in May.",
        canonical_url="https://original.example/tides",
        social_title="",
        social_description="",
        noindex=True,
    )
    seo = post_seo(post, canonical_url="https://news.example/posts/tides/", site_name="Harbour")
    assert seo.title == "Tide tables for May | Harbour News"  # as written: no site name added
    assert seo.description == "Every high and low water in May."
    assert seo.canonical_url == "https://original.example/tides"
    assert seo.social_title == "Tides"  # a card's title is the post's, not the search title
    assert seo.social_description == "Every high and low water in May."
    assert seo.noindex is True


def test_whitespace_only_fields_count_as_blank():
    post = Post(title="Tides", summary="S.", meta_title="   ", social_title=" \n")
    seo = post_seo(post, canonical_url="https://n.example/p/", site_name="H")
    assert (seo.title, seo.social_title) == ("Tides · H", "Tides")


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("original.example/story", "Enter a full address starting with https:// or http://"),
        ("ftp://original.example/story", "Enter a full address starting with https://"),
        ("javascript:alert(1)", "Enter a full address starting with https://"),
        ("/posts/other/", "Enter a full address starting with https://"),
        ("https://user:secret@original.example/", "may not hold a user name or password"),
        ("https://original.example/a story", "may not contain spaces"),
        ("https://localhost/", "needs a host name such as example.com"),
        ("https://original.example:99999/", "port (after the colon) must be a number"),
        ("https://original.example/" + "a" * 500, "too long: at most 500 characters"),
    ],
)
def test_a_canonical_url_the_site_would_not_use_is_refused_with_a_reason(url, message):
    with pytest.raises(ValidationError) as refused:
        validate_canonical_url(url)
    assert message in refused.value.messages[0]


@pytest.mark.parametrize(
    "url",
    [
        "https://original.example/2026/05/tides/",
        "http://original.example/?p=42#comments",
        "https://xn--caf-dma.example/",
        "https://203.0.113.9:8443/story",
        "",
    ],
)
def test_canonical_urls_on_other_sites_are_allowed(url):
    validate_canonical_url(url)


def test_the_model_refuses_a_bad_canonical_url_in_full_clean():
    post = PostFactory.build(canonical_url="original.example/story")
    with pytest.raises(ValidationError) as refused:
        post.full_clean(exclude=["author", "category", "slug"])
    assert "canonical_url" in refused.value.message_dict


# --- the post page -----------------------------------------------------------------------


def test_the_post_page_head_is_as_today_when_no_field_is_written(client, settings):
    post = PostFactory(title="Tides", excerpt="Low water at six.")
    tags = head(page(client, post))
    own = f"http://testserver/posts/{post.slug}/"
    assert tags["title"] == f"Tides · {settings.SITE_NAME}"
    assert tags["description"] == tags["og:description"] == "Low water at six."
    assert tags["canonical"] == tags["og:url"] == own
    assert tags["og:title"] == "Tides"
    assert tags["robots"] is None
    assert tags["json_ld"]["description"] == "Low water at six."
    assert tags["json_ld"]["mainEntityOfPage"] == own


def test_the_post_page_head_uses_the_written_fields(client):
    post = PostFactory(
        title="Tides",
        excerpt="Low water at six.",
        meta_title="Tide tables for May",
        meta_description="Every high & low water in May.",
        canonical_url="https://original.example/tides",
        social_title="Six o'clock, low water",
        social_description="What the harbour master says.",
    )
    html = page(client, post)
    tags = head(html)
    assert tags["title"] == "Tide tables for May"
    assert tags["description"] == "Every high &amp; low water in May."
    assert tags["canonical"] == tags["og:url"] == "https://original.example/tides"
    assert html_unescape(tags["og:title"]) == "Six o'clock, low water"
    assert "'" not in tags["og:title"]  # escaped in the attribute
    assert tags["og:description"] == "What the harbour master says."
    assert tags["json_ld"]["description"] == "Every high & low water in May."
    assert tags["json_ld"]["mainEntityOfPage"] == "https://original.example/tides"
    assert tags["json_ld"]["headline"] == "Tides"
    # The share links share this page, not the original.
    assert f"http%3A%2F%2Ftestserver%2Fposts%2F{post.slug}%2F" in html
    assert tags["robots"] is None


def test_hide_from_search_engines_asks_for_noindex_and_leaves_the_sitemap(client):
    hidden = PostFactory(title="Hidden", noindex=True)
    shown = PostFactory(title="Shown")
    assert head(page(client, hidden))["robots"] == "noindex"
    assert head(page(client, shown))["robots"] is None
    root = ElementTree.fromstring(client.get("/sitemap-posts.xml").content)
    listed = {loc.text for loc in root.findall("sm:url/sm:loc", NS)}
    assert f"http://testserver/posts/{shown.slug}/" in listed
    assert f"http://testserver/posts/{hidden.slug}/" not in listed
    # Readers still find it: the home page and the feed list it.
    assert hidden.title in client.get("/").content.decode()
    assert hidden.title in client.get("/feed/").content.decode()


def test_an_edit_shows_at_once_on_a_kept_page_and_in_the_sitemap(
    client, django_capture_on_commit_callbacks
):
    post = PostFactory(title="Tides")
    assert head(page(client, post))["robots"] is None  # the pieces are kept now
    client.get("/sitemap-posts.xml")
    with django_capture_on_commit_callbacks(execute=True):
        post_update(post=post, data={"noindex": True, "meta_title": "New title"}, user=None)
    tags = head(page(client, post))
    assert (tags["robots"], tags["title"]) == ("noindex", "New title")
    assert post.slug not in client.get("/sitemap-posts.xml").content.decode()


def test_a_preview_stays_noindex(client_for, author):
    draft = PostFactory(author=author, draft=True, noindex=False)
    html = client_for(author).get(draft.get_absolute_url()).content.decode()
    assert meta(html, "robots") == "noindex"


def test_the_social_image_overrides_the_cover_on_the_card_and_in_json_ld(client, make_image):  # noqa: F811
    cover = make_image("PNG", (200, 120), renditions=False, alt_text="The cover")
    card = make_image("PNG", (240, 126), renditions=False, alt_text="The card")
    post = PostFactory(cover_image=cover, social_image=card)
    html = page(client, post)
    tags = head(html)
    assert tags["og:image"].endswith(card.url)
    assert meta(html, "og:image:alt") == "The card"
    assert tags["json_ld"]["image"] == [tags["og:image"]]
    assert cover.url in html  # the cover still heads the article
    plain = PostFactory(cover_image=cover)
    assert head(page(client, plain))["og:image"].endswith(cover.url)


def test_a_social_image_without_a_cover_makes_a_large_card(client, make_image):  # noqa: F811
    post = PostFactory(social_image=make_image("PNG", (240, 126), renditions=False))
    html = page(client, post)
    assert meta(html, "twitter:card") == "summary_large_image"
    assert 'class="cover-image"' not in html


# --- queries -----------------------------------------------------------------------------


def test_the_seo_fields_cost_the_post_page_no_query(client, django_assert_max_num_queries):
    """The budget of tests/readers/test_post_page.py (13, nothing kept) holds with every
    text field written and noindex on."""
    post = PostFactory(
        meta_title="T", meta_description="D", canonical_url="https://o.example/", noindex=True
    )
    cache.clear()
    with django_assert_max_num_queries(13):
        page(client, post)


def test_a_social_image_costs_one_query_for_its_renditions(
    client,
    make_image,  # noqa: F811
    django_assert_max_num_queries,
):
    cover = make_image("PNG", (200, 120))
    post = PostFactory(cover_image=cover, social_image=make_image("PNG", (240, 126)))
    cache.clear()
    # 13 without images; +1 for the cover's renditions, +1 for the social image's.
    with django_assert_max_num_queries(15):
        page(client, post)
