"""Pages in and out: WordPress `post_type=page` (children flattened), Ghost pages (v2's
`"page": 1`, v4's `"type": "page"`), the export's `kind` and the round trip."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from blog.models import Post
from blog.redirects import Redirect
from pages.models import Page
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db
REAL = Path(__file__).parent / "fixtures" / "real"

CHILD = """	<item>
		<title>Our team</title>
		<link>http://localhost/about/team/</link>
		<dc:creator>john</dc:creator>
		<guid isPermaLink="false">http://localhost/?page_id=3</guid>
		<content:encoded><![CDATA[Who works here.]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>3</wp:post_id>
		<wp:post_date>2010-10-17 10:00:00</wp:post_date>
		<wp:post_date_gmt>2010-10-17 10:00:00</wp:post_date_gmt>
		<wp:post_name>team</wp:post_name>
		<wp:status>publish</wp:status>
		<wp:post_parent>2</wp:post_parent>
		<wp:post_type>page</wp:post_type>
		<wp:post_password></wp:post_password>
	</item>
	<item>
		<title>Feed</title>
		<link>http://localhost/feed-page/</link>
		<dc:creator>john</dc:creator>
		<guid isPermaLink="false">http://localhost/?page_id=4</guid>
		<content:encoded><![CDATA[A page named like a route.]]></content:encoded>
		<wp:post_id>4</wp:post_id>
		<wp:post_date_gmt>2010-10-17 11:00:00</wp:post_date_gmt>
		<wp:post_name>feed</wp:post_name>
		<wp:status>draft</wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type>page</wp:post_type>
	</item>
</channel>"""


def _json(command: str, path: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(command, path, "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_wordpress_pages_become_pages_children_flattened(tmp_path, client):
    text = (REAL / "valid-wxr-1.1.xml").read_text(encoding="utf-8")
    path = tmp_path / "pages.xml"
    path.write_text(text.replace("</channel>", CHILD))
    summary = _json("import_wordpress", str(path), "--keep-permalinks")
    assert summary["created"]["pages"] == 3 and summary["created"]["posts"] == 1
    assert "page" not in summary["skipped"]
    assert "child pages flattened: each keeps its own slug at the site root" in summary["notes"]
    about = Page.objects.get(slug="about")
    assert about.is_public and about.category is None
    assert client.get("/about/").status_code == 200
    team = Page.objects.get(slug="team")  # flattened: its own slug, at the root
    assert client.get("/team/").status_code == 200
    # The old nested address leads to it (transfer's old permalinks).
    assert Redirect.objects.filter(old_path="/about/team/", post_id=team.pk).exists()
    response = client.get("/about/team/")
    assert response.status_code == 301 and response.headers["Location"].endswith("/team/")
    response = client.get("/", {"page_id": about.pk and 2})  # WordPress's /?page_id=2
    assert response.status_code == 301 and response.headers["Location"].endswith("/about/")
    # An imported draft page's old address tells no one its slug.
    assert client.get("/feed-page/").status_code == 404
    # A page named like a route of the site gets another address.
    assert Page.objects.get(title="Feed").slug == "feed-2"
    assert not Post.objects.filter(slug__in=["about", "team"]).exists()  # not posts
    again = _json("import_wordpress", str(path), "--keep-permalinks")
    assert again["created"] == {} and again["unchanged"]["pages"] == 3


@pytest.mark.parametrize(
    ("name", "change"),
    [("ghost-v2-export.json", {"page": 1}), ("ghost-v4-export.json", {"type": "page"})],
)
def test_ghost_pages_become_pages(tmp_path, client, name, change):
    document = json.loads((REAL / name).read_text(encoding="utf-8"))
    source = document["db"][0]["data"]["posts"][0]
    source.update(change)
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    summary = _json("import_ghost", str(path))
    assert summary["created"].get("pages") == 1 and "posts" not in summary["created"]
    page = Page.objects.get(slug=source["slug"])
    assert page.tags.count() == 0 and page.category is None
    assert client.get(f"/{source['slug']}/").status_code == 200


def test_export_marks_pages_and_the_round_trip_keeps_them(tmp_path):
    author = AuthorFactory(username="writer")
    PostFactory(title="A post", author=author)
    page = Page(title="Imprint", body="Who we are.")
    from blog.services import post_create

    post_create(post=page, data={"status": Post.Status.PUBLISHED, "author": author}, user=None)
    path = tmp_path / "export.json"
    call_command("export", "--output", str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    kinds = {p["slug"]: p["kind"] for p in document["posts"]}
    assert kinds == {"a-post": "post", "imprint": "page"}
    Post.all_kinds.all().delete()
    summary = _json("import_broadsheet", str(path))
    assert summary["created"]["pages"] == 1 and summary["created"]["posts"] == 1
    assert Page.objects.get().slug == "imprint"
    assert list(Post.objects.values_list("slug", flat=True)) == ["a-post"]


def test_markdown_export_puts_pages_apart(tmp_path):
    author = AuthorFactory(username="writer")
    from blog.services import post_create

    post_create(post=Page(title="About", body="Hello."), data={"author": author}, user=None)
    call_command("export", "--markdown", str(tmp_path / "hugo"))
    hugo = (tmp_path / "hugo" / "pages" / "about.md").read_text(encoding="utf-8")
    assert "type: page" in hugo and "url: /about/" in hugo and "draft: true" in hugo
    call_command("export", "--markdown", str(tmp_path / "jekyll"), "--flavour", "jekyll")
    jekyll = (tmp_path / "jekyll" / "about.md").read_text(encoding="utf-8")
    assert "layout: page" in jekyll and "permalink: /about/" in jekyll
