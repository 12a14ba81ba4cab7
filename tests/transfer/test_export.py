"""Export (JSON document and Markdown files) and the round trip: export → import into an
empty site → export gives the same document, apart from ids and the export time."""

import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from blog.models import Category, Post, Tag
from images.services import image_create
from tests.factories import AuthorFactory, ContributorFactory, EditorFactory, PostFactory
from tests.images import samples
from transfer.exporting import SCHEMA_VERSION

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def site():
    news = Category.objects.create(name="News", description="What happened")
    Category.objects.create(name="Empty category")
    python, cafe = Tag.objects.create(name="Python"), Tag.objects.create(name="Café")
    writer = AuthorFactory(username="writer", display_name="Wří Ter", bio="Writes.")
    ContributorFactory(username="helper")
    EditorFactory(username="chief")
    PostFactory(title="Published post", author=writer, category=news, tags=[python, cafe])
    PostFactory(
        title="Ünïcode title — ok", author=writer, category=None, body="# Head\n\nText *em*."
    )
    PostFactory(title="Later", author=writer, category=news, scheduled=True, excerpt="Hand.")
    PostFactory(title="Unfinished", author=writer, category=news, draft=True)
    return writer


def _export() -> dict:
    out = io.StringIO()
    call_command("export", stdout=out)
    return json.loads(out.getvalue())


def _without_ids(document: dict) -> dict:
    document = {k: v for k, v in document.items() if k != "exported_at"}
    document["posts"] = [{k: v for k, v in p.items() if k != "id"} for p in document["posts"]]
    return document


def test_document_schema_and_no_credentials(site):
    document = _export()
    assert document["format"] == "broadsheet-export" and document["version"] == SCHEMA_VERSION
    assert [a["username"] for a in document["authors"]] == ["chief", "helper", "writer"]
    writer = document["authors"][2]
    assert writer == {
        "username": "writer",
        "email": "writer@example.com",
        "display_name": "Wří Ter",
        "first_name": "",
        "last_name": "",
        "bio": "Writes.",
        "roles": ["Author"],
    }
    text = json.dumps(document)
    assert "password" not in text and "md5$" not in text and "last_login" not in text
    assert document["categories"][1] == {
        "name": "News",
        "slug": "news",
        "description": "What happened",
    }
    assert {p["state"] for p in document["posts"]} == {"published", "scheduled", "draft"}
    post = next(p for p in document["posts"] if p["slug"] == "published-post")
    assert post["tags"] == ["cafe", "python"] and post["category"] == "news"
    assert post["author"] == "writer" and post["images"] == []
    assert post["published_at"].endswith("Z")
    assert post["body"] == Post.objects.get(slug="published-post").body  # Markdown source


def test_round_trip_gives_the_same_document(site, tmp_path):
    first = _export()
    path = tmp_path / "export.json"
    call_command("export", "--output", str(path))
    # Into an empty site.
    Post.objects.all().delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
    User.objects.all().delete()
    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["created"] == {"authors": 3, "categories": 2, "posts": 4, "tags": 2}
    second = _export()
    assert _without_ids(second) == _without_ids(first)
    # A second import of the same file changes nothing.
    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", stdout=out)
    unchanged = {"authors": 3, "categories": 2, "posts": 4, "tags": 2}
    assert json.loads(out.getvalue())["unchanged"] == unchanged
    assert _without_ids(_export()) == _without_ids(first)


def test_import_refuses_another_schema_version(tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"format": "broadsheet-export", "version": 99, "posts": []}))
    with pytest.raises(Exception, match="schema version 99"):
        call_command("import_broadsheet", str(path))


# Hugo's predefined front matter fields (gohugo.io/content-management/front-matter/),
# plus the taxonomies and one page parameter (`author`). `published`, `pubdate` and
# `publishdate` are aliases of `publishDate`: a boolean there stops Hugo 0.135+.
HUGO_FIELDS = {
    "aliases", "build", "cascade", "date", "description", "draft", "expiryDate", "headless",
    "isCJKLanguage", "keywords", "lastmod", "layout", "linkTitle", "markup", "outputs",
    "params", "publishDate", "resources", "sitemap", "slug", "summary", "title",
    "translationKey", "type", "url", "weight", "categories", "tags", "author",
}  # fmt: skip
# Jekyll's post front matter (jekyllrb.com/docs/front-matter/, /docs/posts/), plus
# `last_modified_at` (jekyll-sitemap, jekyll-seo-tag) and `author`.
JEKYLL_FIELDS = {
    "layout", "permalink", "published", "date", "category", "categories", "tags", "title",
    "slug", "excerpt", "last_modified_at", "author",
}  # fmt: skip
JEKYLL_POST_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)\.md$")  # Jekyll's own rule
JEKYLL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$")


def _front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_markdown_for_hugo(site, tmp_path):
    call_command("export", "--markdown", str(tmp_path / "md"))
    files = sorted(p.name for p in (tmp_path / "md").iterdir())
    assert len(files) == 4
    assert "unfinished.md" in files  # a draft has no date
    published = next(n for n in files if n.endswith("-published-post.md"))
    meta, body = _front(tmp_path / "md" / published)
    post = Post.objects.get(slug="published-post")
    assert meta["title"] == "Published post" and meta["slug"] == "published-post"
    assert meta["draft"] is False
    assert meta["categories"] == ["News"] and meta["tags"] == ["Café", "Python"]
    # What readers see, also when the writer left the excerpt to the body.
    assert meta["author"] == "writer" and meta["summary"] == post.summary != ""
    assert published.startswith(f"{post.published_at:%Y-%m-%d}-")
    assert body.strip() == post.body.strip()
    later = next(n for n in files if n.endswith("-later.md"))
    assert _front(tmp_path / "md" / later)[0]["draft"] is True
    for name in files:
        meta = _front(tmp_path / "md" / name)[0]
        assert set(meta) <= HUGO_FIELDS, name
        assert isinstance(meta["draft"], bool)
        assert "date" not in meta or datetime.fromisoformat(meta["date"].replace("Z", "+00:00"))
    assert "date" not in _front(tmp_path / "md" / "unfinished.md")[0]


def test_markdown_for_jekyll(site, tmp_path):
    root = tmp_path / "site"
    call_command("export", "--markdown", str(root), "--flavour", "jekyll")
    posts = sorted(p.name for p in (root / "_posts").iterdir())
    drafts = sorted(p.name for p in (root / "_drafts").iterdir())
    public = Post.objects.public().order_by("slug")
    assert len(posts) == public.count() and len(posts) + len(drafts) == 4
    assert "unfinished.md" in drafts and any(n == "later.md" for n in drafts)
    for name in posts:
        match = JEKYLL_POST_NAME.match(name)
        assert match, name
        meta, _ = _front(root / "_posts" / name)
        assert set(meta) <= JEKYLL_FIELDS, name
        assert JEKYLL_DATE.match(meta["date"]) and meta["date"].startswith(match[1])
        assert meta["layout"] == "post" and meta.get("published", True) is True
    meta, body = _front(root / "_posts" / next(n for n in posts if "published-post" in n))
    post = Post.objects.get(slug="published-post")
    assert meta["excerpt"] == post.summary != "" and meta["categories"] == ["News"]
    assert body.strip() == post.body.strip()
    for name in drafts:
        assert set(_front(root / "_drafts" / name)[0]) <= JEKYLL_FIELDS


def test_export_queries_do_not_grow_with_posts(site, django_assert_max_num_queries):
    for i in range(20):
        PostFactory(title=f"More {i}", published_at=timezone.now() - timedelta(days=i))
    with django_assert_max_num_queries(10):  # + each chunk's comments (issue 32)
        call_command("export", stdout=io.StringIO())


def test_library_pictures_survive_an_import_by_worker_processes(site, tmp_path):
    """Bodies rendered by `--workers` processes show the library's pictures, as bodies
    rendered in the importing process do: the workers have no `image:` plugin."""
    image = image_create(
        upload=io.BytesIO(samples.encoded("PNG", (64, 48))), uploaded_by=site, alt_text="Quay"
    )
    for number in range(25):  # a batch of 20 or more goes to the pool
        PostFactory(title=f"Pictured {number}", author=site, body=f"![Quay](image:{image.pk})")
    path = tmp_path / "export.json"
    call_command("export", "--output", str(path))
    Post.objects.filter(title__startswith="Pictured").delete()

    call_command("import_broadsheet", str(path), "--workers", "2", stdout=io.StringIO())

    pictured = Post.objects.filter(title__startswith="Pictured")
    assert pictured.count() == 25
    for post in pictured:
        assert f'src="{image.file.url}"' in post.body_html, post.body_html
        assert "<figure" in post.body_html
