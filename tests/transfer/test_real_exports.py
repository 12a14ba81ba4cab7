"""Real export files from public sources (tests/transfer/fixtures/real/PROVENANCE.md),
checked by a reader written here, independently of `transfer/`: what each file holds,
item by item, against what the import created, skipped or changed (with its reason),
field by field for every post, and every public post page answering 200.

These tests only use the ORM and the test client, so they run unchanged on SQLite
(`DATABASE_URL=sqlite:///…`) as on PostgreSQL; `test_real_files_on_sqlite` also runs the
whole import on a SQLite file database in a subprocess, as `make run` has it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from blog.models import Post
from blog.selectors import search_posts

pytestmark = pytest.mark.django_db
User = get_user_model()
REAL = Path(__file__).parent / "fixtures" / "real"
ROOT = Path(__file__).resolve().parents[2]


# --- an independent reader of the source files -------------------------------------------


def wxr_items(path: Path) -> list[dict]:
    """Every <item> of a WXR file as a dict of its fields (any WXR namespace version)."""
    root = SafeET.parse(path).getroot()
    items = []
    for item in root.iter("item"):
        fields: dict = {"categories": [], "tags": [], "comments": []}
        for child in item:
            local = child.tag.rsplit("}", 1)[-1]
            if local == "category":
                domain = child.get("domain")
                if domain in ("category", "post_tag"):
                    key = "categories" if domain == "category" else "tags"
                    fields[key].append(child.text or "")
            elif local == "comment":
                parts = {part.tag.rsplit("}", 1)[-1]: (part.text or "") for part in child}
                fields["comments"].append(parts)
            elif local == "encoded":
                fields["excerpt" if "excerpt" in child.tag else "content"] = child.text or ""
            else:
                fields[local] = (child.text or "").strip()
        items.append(fields)
    return items


def wxr_author_logins(path: Path) -> set[str]:
    root = SafeET.parse(path).getroot()
    return {
        (child.text or "").strip()
        for author in root.iter()
        if author.tag.endswith("}author")
        for child in author
        if child.tag.endswith("}author_login")
    }


def wxr_expected(path: Path) -> tuple[list[dict], Counter]:
    """(items that should become posts, what should be skipped and why), by the rules
    docs/import-export.md states."""
    posts, skipped = [], Counter()
    for item in wxr_items(path):
        kind, status = item.get("post_type", "post"), item.get("status", "")
        imported = False
        if kind == "page":
            imported = True  # imported as a page (tests/transfer/test_pages_import.py)
        elif kind != "post":
            skipped[kind if kind == "attachment" else "other type"] += 1
        elif status in ("private", "trash", "auto-draft", "inherit"):
            skipped[f"status {status}"] += 1
        elif item.get("post_password"):
            skipped["password-protected"] += 1
        else:
            imported = True
            posts.append(item)
        skipped += comments_skipped(item["comments"], imported)
    return posts, +skipped


def comments_skipped(comments: list[dict], imported: bool) -> Counter:
    """Comments are imported when approved (1), on an imported item, and neither a
    pingback nor a trackback (docs/import-export.md)."""
    skipped = Counter()
    for comment in comments:
        if not imported:
            skipped["comment on an item not imported"] += 1
        elif comment.get("comment_type") in ("pingback", "trackback"):
            skipped["comment: pingback or trackback"] += 1
        elif comment.get("comment_type") == "note":
            skipped["comment: editor's note"] += 1
        elif comment.get("comment_type") not in ("", "comment"):
            skipped[f"comment: type {comment['comment_type']}"] += 1
        elif comment.get("comment_approved") != "1":
            state = comment.get("comment_approved")
            skipped[
                f"comment: {({'spam': 'spam', 'trash': 'in the trash'}).get(state, 'not approved')}"
            ] += 1
    return skipped


def wxr_expected_comments(path: Path) -> int:
    """How many comments should come in: approved ones on imported items."""
    posts, _ = wxr_expected(path)
    items = [item for item in wxr_items(path) if item.get("post_type") == "page"] + posts
    return sum(
        1
        for item in items
        for comment in item["comments"]
        if comment.get("comment_approved") == "1"
        and comment.get("comment_type", "") in ("", "comment")
    )


def words(html: str) -> set[str]:
    soup = BeautifulSoup(html or "", "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    text = re.sub(r"<!--.*?-->", " ", soup.get_text(" "))
    return set(re.findall(r"\w+", text.lower()))


def links_and_images(html: str) -> tuple[set[str], set[str]]:
    soup = BeautifulSoup(html or "", "html.parser")
    return (
        {a["href"] for a in soup.find_all("a", href=True)},
        {i["src"] for i in soup.find_all("img", src=True)},
    )


def assert_body_kept(source_html: str, post: Post) -> None:
    """The words, links and images of the source body are all on the rendered page."""
    assert words(source_html) <= words(post.body_html), post.slug
    source_links, source_images = links_and_images(source_html)
    links, images = links_and_images(post.body_html)
    assert source_links <= links and source_images <= images, post.slug


def assert_public_pages_answer(client) -> int:
    public = list(Post.objects.public())
    for post in public:
        assert client.get(post.get_absolute_url()).status_code == 200, post.slug
    return len(public)


# --- WordPress ----------------------------------------------------------------------------


WXR_FILES = ["wxr-simple.xml", "valid-wxr-1.1.xml", "slashes.xml", "wxr-utf-8-challenges.xml"]


@pytest.mark.parametrize("name", WXR_FILES)
def test_wordpress_file_item_by_item(run_import, client, name):
    path = REAL / name
    posts, skipped = wxr_expected(path)
    authors = {item["creator"] for item in posts}
    summary = run_import("import_wordpress", str(path))

    assert summary["created"].get("posts", 0) == len(posts)
    assert summary["created"].get("comments", 0) == wxr_expected_comments(path)
    logins = wxr_author_logins(path)
    # Accounts that own no imported post are not created, and are counted.
    if logins - authors:
        skipped["author without imported posts"] = len(logins - authors)
    assert summary["skipped"] == dict(skipped)
    assert summary["created"]["authors"] == len(authors)
    for item in posts:
        post = Post.objects.select_related("author", "category").get(title=item["title"])
        assert post.author.username == item["creator"]
        assert post.published_at == datetime.fromisoformat(item["post_date_gmt"]).replace(
            tzinfo=UTC
        )
        assert post.category.name in item["categories"]
        assert sorted(post.tags.values_list("name", flat=True)) == sorted(item["tags"])
        assert_body_kept(item["content"], post)
        # Search finds it (PostgreSQL vector or SQLite FTS5, whichever runs the suite).
        longest = sorted(re.findall(r"[a-z]+", item["title"].lower()), key=len)[-1]
        assert post in search_posts(Post.objects.public(), longest)
    assert assert_public_pages_answer(client) == len(posts)


def test_wordpress_real_file_rerun_is_unchanged(run_import):
    run_import("import_wordpress", str(REAL / "valid-wxr-1.1.xml"))
    again = run_import("import_wordpress", str(REAL / "valid-wxr-1.1.xml"))
    assert again["created"] == {} and again["updated"] == {}
    assert again["unchanged"] == {
        "authors": 1, "categories": 1, "pages": 1, "posts": 1, "tags": 1, "comments": 1
    }  # fmt: skip


def test_wordpress_com_https_namespaces(run_import, client, tmp_path):
    """WordPress.com writes `https://wordpress.org/export/1.2/`: read like http."""
    text = (REAL / "wxr-simple.xml").read_text(encoding="utf-8")
    wpcom = tmp_path / "wpcom.xml"
    wpcom.write_text(text.replace("http://wordpress.org/export/", "https://wordpress.org/export/"))
    summary = run_import("import_wordpress", str(wpcom))
    assert summary["created"]["posts"] == 1 and summary["skipped"] == {}
    post = Post.objects.get(slug="hello-world")
    assert post.title == '"The Road Not Taken" by Robert Frost'
    assert client.get(post.get_absolute_url()).status_code == 200


def test_site_and_post_id_key_posts_not_guid(run_import, tmp_path):
    """Two sites whose GUIDs collide (`http://localhost/?p=1`), and two items of one file
    sharing a GUID: every post is kept, none overwrites another."""
    first = REAL / "valid-wxr-1.1.xml"
    run_import("import_wordpress", str(first))
    other = tmp_path / "other-site.xml"
    text = (REAL / "wxr-simple.xml").read_text(encoding="utf-8")
    other.write_text(text.replace("https://playground.internal/path/?p=1", "http://localhost/?p=1"))
    summary = run_import("import_wordpress", str(other))
    assert summary["created"]["posts"] == 1
    assert Post.objects.count() == 2
    assert Post.objects.get(slug="hello-world").title == "Hello world!"  # not overwritten
    # Within one file: a copy of the item with another post id, title and slug.
    text = first.read_text(encoding="utf-8")
    start, end = text.index("\t<item>"), text.index("\t</item>") + len("\t</item>")
    copy = (
        text[start:end]
        .replace("<wp:post_id>1<", "<wp:post_id>7<")
        .replace("Hello world!", "Second post, same GUID")
        .replace("<wp:post_name>hello-world<", "<wp:post_name>second<")
    )
    twice = tmp_path / "twice.xml"
    twice.write_text(text[:end] + "\n" + copy + text[end:])
    Post.objects.all().delete()
    summary = run_import("import_wordpress", str(twice))
    assert summary["created"]["posts"] == 2
    assert set(Post.objects.values_list("title", flat=True)) == {
        "Hello world!",
        "Second post, same GUID",
    }


# --- Ghost --------------------------------------------------------------------------------


def ghost_document(**changes) -> dict:
    """The real Ghost 4 export, its post changed in memory (`changes` set on the post)."""
    document = json.loads((REAL / "ghost-v4-export.json").read_text(encoding="utf-8"))
    document["db"][0]["data"]["posts"][0].update(changes)
    return document


def write_json(tmp_path: Path, document, name: str = "ghost.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_ghost_file_item_by_item(run_import, client):
    data = json.loads((REAL / "ghost-v4-export.json").read_text(encoding="utf-8"))["db"][0]
    posts = data["data"]["posts"]
    summary = run_import("import_ghost", str(REAL / "ghost-v4-export.json"))
    assert summary["created"]["posts"] == len(posts) == 1
    # Two staff users in the file, one owns the post: only that one becomes a user.
    assert summary["created"]["authors"] == 1
    assert summary["skipped"] == {"author without imported posts": 1}
    source = posts[0]
    post = Post.objects.select_related("author").get(slug=source["slug"])
    assert post.title == source["title"]
    assert post.author.email == "ghost-author@example.com"
    assert not post.author.has_usable_password()  # the bcrypt hash is never copied
    assert post.published_at == datetime(2021, 3, 24, 4, 34, 9, tzinfo=UTC)
    assert post.excerpt == source["custom_excerpt"]
    assert_body_kept(source["html"], post)
    assert "zapier.com" not in post.body_html  # the <script> card: never on our pages
    assert assert_public_pages_answer(client) == 1
    assert post in search_posts(Post.objects.public(), "integrations")


@pytest.mark.parametrize("visibility", ["members", "paid", "tiers"])
def test_ghost_members_only_and_paid_posts_are_members_only(
    run_import, client, tmp_path, visibility
):
    """Issue 31: Ghost's members, paid and tier posts are published members-only: an
    anonymous reader gets the excerpt and the sign-up call, never the body."""
    path = write_json(tmp_path, ghost_document(visibility=visibility))
    summary = run_import("import_ghost", path)
    post = Post.objects.get(slug="integrations")
    assert post.status == Post.Status.PUBLISHED and post.audience == Post.Audience.MEMBERS
    page = client.get(post.get_absolute_url()).content.decode()
    assert "This post is for members" in page and 'class="post-body"' not in page
    expected = (
        {} if visibility == "members" else {f"visibility {visibility}: imported for all members": 1}
    )
    assert summary["adjusted"] == expected


def test_ghost_public_posts_are_for_everyone(run_import, tmp_path):
    run_import("import_ghost", write_json(tmp_path, ghost_document(visibility="public")))
    assert Post.objects.get(slug="integrations").audience == Post.Audience.EVERYONE


def test_ghost_export_without_db_wrapper(run_import, tmp_path):
    data = ghost_document()["db"][0]
    for document in (data, data["data"]):  # {"meta", "data"} and the bare tables
        Post.objects.all().delete()
        summary = run_import("import_ghost", write_json(tmp_path, document))
        assert summary["created"]["posts"] == 1 or summary["unchanged"]["posts"] == 1
        assert Post.objects.filter(slug="integrations").exists()


def test_ghost_mobiledoc_without_html_keeps_its_cards(run_import, tmp_path):
    """Without `html`, the real Mobiledoc document is rendered: paragraphs, links,
    headings, the quote and both image cards."""
    source = ghost_document()["db"][0]["data"]["posts"][0]
    run_import("import_ghost", write_json(tmp_path, ghost_document(html=None)))
    post = Post.objects.get(slug="integrations")
    assert_body_kept(source["html"], post)
    html = post.body_html
    assert '<h2 id="zapier">Zapier</h2>' in html and "<blockquote>" in html
    assert 'src="https://static.ghost.org/v4.0.0/images/iawriter-integration.png"' in html


def test_ghost_lexical_cards(run_import, tmp_path):
    """A Lexical document (Ghost 5) with the cards the issue names: list items stay
    apart, code keeps its language, image, callout and toggle keep their text."""
    lexical = {
        "root": {
            "type": "root",
            "children": [
                {"type": "paragraph", "children": [{"type": "text", "text": "Intro"}]},
                {
                    "type": "list",
                    "listType": "bullet",
                    "children": [
                        {"type": "listitem", "children": [{"type": "text", "text": "one"}]},
                        {"type": "listitem", "children": [{"type": "text", "text": "two"}]},
                    ],
                },
                {"type": "codeblock", "code": "print(1)", "language": "python"},
                {"type": "image", "src": "https://e.example/i.png", "alt": "Alt", "caption": "Cap"},
                {"type": "callout", "calloutText": "<p>Heads up</p>", "calloutEmoji": "!"},
                {"type": "toggle", "heading": "<span>Question</span>", "content": "<p>Answer</p>"},
                {"type": "bookmark", "url": "https://b.example/", "metadata": {"title": "Bk"}},
                {"type": "mystery-card"},
            ],
        }
    }
    path = write_json(
        tmp_path, ghost_document(html=None, mobiledoc=None, lexical=json.dumps(lexical))
    )
    summary = run_import("import_ghost", path)
    post = Post.objects.get(slug="integrations")
    assert "- one\n- two" in post.body
    assert "```python\nprint(1)\n```" in post.body
    for text in ("Intro", "Heads up", "Question", "Answer", "Cap", 'href="https://b.example/"'):
        assert text in post.body_html
    assert 'src="https://e.example/i.png"' in post.body_html
    assert summary["adjusted"] == {"lost in conversion: Ghost card 'mystery-card'": 1}


# --- the same files on SQLite, as `make run` has it ---------------------------------------

SQLITE_CHECK = r"""
import json
from django.test import Client
from blog.models import Post
client = Client()
public = list(Post.objects.public())
print(json.dumps({
    "public": len(public),
    "pages": [client.get(p.get_absolute_url(), HTTP_HOST="localhost").status_code
              for p in public],
    "search": [client.get(f"/search/?q={q}", HTTP_HOST="localhost").content.decode().count(t)
               for q, t in (("Frost", "Road Not Taken"), ("integrations", "custom integrations"),
                            ("slashes", "Hello world!"))],
}))
"""


@pytest.mark.own_sqlite
def test_real_files_on_sqlite(tmp_path):
    """Every real file imported through manage.py into a SQLite file database: each
    public post page answers 200 and search (FTS5) finds every imported post."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [*manage, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done

    run("migrate", "-v0")
    for name in WXR_FILES:
        run("import_wordpress", str(REAL / name), "--workers", "1")
    run("import_ghost", str(REAL / "ghost-v4-export.json"), "--workers", "1")
    result = json.loads(run("shell", "-c", SQLITE_CHECK).stdout.strip().splitlines()[-1])
    # Five files, three posts: slashes.xml is post 1 of http://localhost/ like
    # valid-wxr-1.1.xml, the UTF-8 file post 10 of the playground site like wxr-simple.xml;
    # the same site and post id is the same post, updated, never a copy.
    assert result["public"] == 3 and result["pages"] == [200] * 3
    assert all(result["search"]), result["search"]


def test_ghost_keep_permalinks_and_links_to_the_old_site(run_import, client, tmp_path):
    """Ghost's `/slug/` URLs answer 301 to the new post; a body link written as
    `__GHOST_URL__/integrations/` (Ghost 4+) becomes a path that reaches it too."""
    document = ghost_document()
    post = document["db"][0]["data"]["posts"][0]
    post["html"] += '<p>Back to <a href="__GHOST_URL__/integrations/">the start</a>.</p>'
    run_import("import_ghost", write_json(tmp_path, document), "--keep-permalinks")
    stored = Post.objects.get(slug="integrations")
    assert 'href="/integrations/"' in stored.body_html and "__GHOST_URL__" not in stored.body
    stored.slug = "apps-and-integrations"
    stored.save()
    response = client.get("/integrations/")
    assert response.status_code == 301
    assert response["Location"] == "/posts/apps-and-integrations/"


def test_backslashes_and_unicode_survive(run_import):
    """WordPress's own importer tests: slashes kept as written, and an author whose
    address Django refuses (`ădmĩn@…localhost.com`) still brings their post, said."""
    run_import("import_wordpress", str(REAL / "slashes.xml"))
    post = Post.objects.get(title="Hello world!")
    assert post.body_html == '<p>Slashes aren\\\'t \\"cool\\"</p>'
    summary = run_import("import_wordpress", str(REAL / "wxr-utf-8-challenges.xml"))
    post = Post.objects.select_related("author").get(title__endswith="Robert Frost 🌲")
    assert post.slug == "hello-world-utf8-test" and post.author.email == "admin@imported.invalid"
    assert (
        "author 'admin': 'ădmĩn@\u2113ocalhost.com' is not a valid email: "
        "given admin@imported.invalid" in summary["notes"]
    )


@pytest.mark.parametrize("without_html", [False, True], ids=["html", "mobiledoc"])
def test_ghost_2_export(run_import, client, tmp_path, without_html):
    """Ghost 2.9 (`page: 0`, no `type`, no users table in the reduced file): the post and
    its words, links and images, from `html` or, without it, from its Mobiledoc."""
    document = json.loads((REAL / "ghost-v2-export.json").read_text(encoding="utf-8"))
    source = dict(document["db"][0]["data"]["posts"][0])
    if without_html:
        document["db"][0]["data"]["posts"][0]["html"] = None
    summary = run_import("import_ghost", write_json(tmp_path, document))
    assert summary["created"]["posts"] == 1 and summary["skipped"] == {}
    assert summary.get("adjusted", {}) == {}
    post = Post.objects.get(slug=source["slug"])
    assert post.title == source["title"] and post.excerpt == source["custom_excerpt"]
    assert_body_kept(source["html"], post)
    assert "<li><code>post.hbs</code> is the file" in post.body_html  # items stay apart
    assert assert_public_pages_answer(client) == 1


def test_ghost_lexical_document_from_koenig(run_import, tmp_path):
    """Koenig's own demo Lexical document as a Ghost 5 post without `html`: its text
    (Markdown-looking `*italic*`, `**bold**`, `---` and ``` kept as text), its bold,
    italic and code formats, and its link."""
    lexical = (REAL / "koenig-basic-content.json").read_text(encoding="utf-8")
    tree = json.loads(lexical)
    texts = [
        node["text"]
        for paragraph in tree["root"]["children"]
        for child in paragraph["children"]
        for node in ([child] if "text" in child else child.get("children", []))
    ]
    path = write_json(tmp_path, ghost_document(html=None, mobiledoc=None, lexical=lexical))
    summary = run_import("import_ghost", path)
    assert summary.get("adjusted", {}) == {}
    post = Post.objects.get(slug="integrations")
    page_words = words(post.body_html)
    assert words(" ".join(texts)) <= page_words
    html = post.body_html
    assert "parsed—*italic* results in <em>italic</em>" in html
    assert "), **bold** results in <strong>bold</strong>" in html
    assert "<code>---</code>" in html and "<code>```</code>" in html
    assert 'href="https://ghost.org/changelog/markdown/"' in html
    assert len(re.findall("<p>", html)) == len(tree["root"]["children"])


def test_posts_imported_under_their_guid_are_found_again(run_import, tmp_path):
    """An earlier version keyed posts by GUID: re-running that file updates its post (same
    slug and date), and another site's post with the same GUID is not taken for it."""
    from transfer.models import SourceKey

    run_import("import_wordpress", str(REAL / "valid-wxr-1.1.xml"))
    post_key = SourceKey.objects.filter(kind="post", object_id=Post.objects.get().pk)
    post_key.update(key="http://localhost/?p=1", digest="")
    again = run_import("import_wordpress", str(REAL / "valid-wxr-1.1.xml"))
    assert again["created"].get("posts", 0) == 0 and Post.objects.count() == 1
    assert post_key.get().key == "localhost#1"
    # Another site, same GUID and slug, another date: a post of its own.
    post_key.update(key="http://localhost/?p=1", digest="")
    text = (REAL / "wxr-simple.xml").read_text(encoding="utf-8")
    other = tmp_path / "other.xml"
    other.write_text(text.replace("https://playground.internal/path/?p=1", "http://localhost/?p=1"))
    summary = run_import("import_wordpress", str(other))
    assert summary["created"]["posts"] == 1 and Post.objects.count() == 2
