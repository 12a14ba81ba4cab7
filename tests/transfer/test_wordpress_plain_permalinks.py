"""`--keep-permalinks` for a WordPress site in a subdirectory with plain permalinks.

A plain permalink is the site's home plus `?p=ID` (`?page_id=ID` for a page): its path is
the old front page, shared by every post, so it must never be kept as one post's address.
The old addresses sit under `wp:base_blog_url` (the site's home; `wp:base_site_url` is
the network's on a multisite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from blog.models import Post
from blog.redirects import Redirect

pytestmark = pytest.mark.django_db
REAL = Path(__file__).parent / "fixtures" / "real"

ITEM = """	<item>
		<title>{title}</title>
		<link>{link}</link>
		<dc:creator>ann</dc:creator>
		<guid isPermaLink="false">{link}</guid>
		<content:encoded><![CDATA[<p>{title}, the text.</p>]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{id}</wp:post_id>
		<wp:post_date>2023-04-0{day} 10:00:00</wp:post_date>
		<wp:post_date_gmt>2023-04-0{day} 10:00:00</wp:post_date_gmt>
		<wp:post_name>{slug}</wp:post_name>
		<wp:status>publish</wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type>{type}</wp:post_type>
		<wp:post_password></wp:post_password>
	</item>
"""

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Plain</title>
	<link>{blog}</link>
	<description>A WordPress site in /blog with plain permalinks</description>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>{site}</wp:base_site_url>
	<wp:base_blog_url>{blog}</wp:base_blog_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login>ann</wp:author_login><wp:author_email>ann@plain.example.com</wp:author_email><wp:author_display_name>Ann</wp:author_display_name></wp:author>
{items}</channel>
</rss>
"""


def _wxr(tmp_path, *, site="https://plain.example.com/blog", blog="https://plain.example.com/blog"):
    items = [
        (101, "First post", "first-post", "post", f"{blog}/?p=101"),
        (102, "Second post", "second-post", "post", f"{blog}/?p=102"),
        (103, "About", "about", "page", f"{blog}/?page_id=103"),
    ]
    text = WXR.format(
        site=site,
        blog=blog,
        items="".join(
            ITEM.format(id=i, title=t, slug=s, type=k, link=link, day=n + 1)
            for n, (i, t, s, k, link) in enumerate(items)
        ),
    )
    path = tmp_path / "plain.xml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _kept() -> dict[str, str]:
    """Every kept old path → the slug of the post it leads to."""
    return {r.old_path: r.post.slug for r in Redirect.objects.select_related("post")}


def _address(slug: str) -> str:
    return Post.all_kinds.get(slug=slug).get_absolute_url()


EXPECTED = {
    "/blog/?p=101": "first-post",
    "/blog/?p=102": "second-post",
    "/blog/?page_id=103": "about",
    "/blog/2023/04/01/first-post/": "first-post",
    "/blog/2023/04/02/second-post/": "second-post",
}


def test_each_plain_permalink_leads_to_its_own_post(run_import, client, tmp_path):
    summary = run_import("import_wordpress", _wxr(tmp_path), "--keep-permalinks")
    assert summary["created"]["posts"] == 2 and summary["created"]["pages"] == 1
    for old, slug in [
        ("/blog/?p=101", "first-post"),
        ("/blog/?p=102", "second-post"),
        ("/blog/?page_id=103", "about"),
    ]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == _address(slug), old
        assert client.get(response["Location"]).status_code == 200


def test_the_old_front_page_is_no_post_s_address(run_import, client, tmp_path):
    run_import("import_wordpress", _wxr(tmp_path), "--keep-permalinks")
    assert _kept() == EXPECTED  # no `/blog/`, and nothing at the root it never had
    assert client.get("/blog/").status_code == 404
    assert client.get("/?p=101").status_code == 200  # this site's home page, no redirect


def test_dated_addresses_sit_under_the_base_path(run_import, client, tmp_path):
    run_import("import_wordpress", _wxr(tmp_path), "--keep-permalinks")
    response = client.get("/blog/2023/04/02/second-post/")
    assert response.status_code == 301 and response["Location"] == _address("second-post")
    assert client.get("/2023/04/02/second-post/").status_code == 404


def test_multisite_reads_the_blog_s_own_base(run_import, tmp_path):
    """On a multisite `wp:base_site_url` is the network's home; the blog's is
    `wp:base_blog_url`, where its permalinks start."""
    path = _wxr(tmp_path, site="https://plain.example.com")
    run_import("import_wordpress", path, "--keep-permalinks")
    assert _kept() == EXPECTED


def test_real_fixture_plain_link_keeps_not_the_front_page(run_import, tmp_path):
    """wxr-simple.xml (a Playground site at /path): `<link>…/path/?p=1</link>`."""
    run_import("import_wordpress", str(REAL / "wxr-simple.xml"), "--keep-permalinks")
    kept = _kept()
    assert "/path/" not in kept and "/" not in kept
    assert kept["/path/?p=1"] == kept["/path/?p=10"] == "hello-world"
    assert kept["/path/2024/06/05/hello-world/"] == "hello-world"


def test_a_site_at_the_root_keeps_its_addresses(run_import):
    run_import("import_wordpress", str(REAL / "valid-wxr-1.1.xml"), "--keep-permalinks")
    kept = _kept()
    assert "/" not in kept
    assert kept["/?p=1"] == kept["/2010/10/16/hello-world/"]


def test_a_page_that_answers_looks_up_no_old_address_for_its_p(client):
    """`?p=` is looked up before the view at `/` only (the home page would answer it), and
    elsewhere with the 404's paths: a page that exists pays no query for it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PostFactory

    post = PostFactory(title="Here")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{post.get_absolute_url()}?p=5").status_code == 200
    assert not [q for q in queries.captured_queries if "blog_redirect" in q["sql"]]
