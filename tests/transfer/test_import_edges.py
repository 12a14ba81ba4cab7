"""What real exports do that the happy path does not (issue 27): files that are not
exports, files cut short, e-mail authors, repeated category names, untitled and undated
posts, the command line's edges, and content the conversion must keep or count.

Each case starts from a real file (tests/transfer/fixtures/real/) changed in memory."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from blog.models import Category, Post, Tag
from transfer.importer import ImportOptions, import_records
from transfer.sources.wordpress import WordPressReader

pytestmark = pytest.mark.django_db
User = get_user_model()
REAL = Path(__file__).parent / "fixtures" / "real"
ROOT = Path(__file__).resolve().parents[2]
SIMPLE = (REAL / "wxr-simple.xml").read_text(encoding="utf-8")
V11 = (REAL / "valid-wxr-1.1.xml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str | bytes, name: str = "export.xml") -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def nothing_written() -> bool:
    return not (
        Post.objects.exists()
        or User.objects.exists()
        or Category.objects.exists()
        or Tag.objects.exists()
    )


# --- files that are not WordPress exports: refused in one line, nothing written -----------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("site.xml", SIMPLE)
    return buffer.getvalue()


RSS_FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>
<link>https://example.org/</link><item><title>A post</title><link>https://example.org/a</link>
<description>Text</description></item></channel></rss>"""


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (_zip(), "the file is a ZIP archive"),
        (gzip.compress(SIMPLE.encode()), "the file is a gzip file"),
        ('{"db": [{"data": {"posts": []}}]}', "the file is a JSON file"),
        ("<!DOCTYPE html>\n<html><body>Log in</body></html>", "the file is an HTML page"),
        ("<html><body>Log in</body></html>", "the file is an HTML page"),
        ("<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'/>", "<feed>"),
        (RSS_FEED, "no WordPress (wp:) fields"),
        ("", "the file is empty"),
        ("plain text, not XML", "not XML"),
        (SIMPLE[: len(SIMPLE) * 2 // 3], "damaged or cut short"),
    ],
    ids=["zip", "gz", "json", "html", "html-bare", "atom", "rss", "empty", "text", "truncated"],
)
def test_files_that_are_not_exports_are_refused(tmp_path, content, reason):
    path = write(tmp_path, content)
    with pytest.raises(CommandError) as refused:
        call_command("import_wordpress", path)
    message = str(refused.value)
    assert reason in message and "nothing was written" in message
    assert "\n" not in message  # one line
    assert nothing_written()


def test_refusal_exits_non_zero_with_one_line(tmp_path):
    """Through manage.py, as a site owner runs it: exit status 1, one line on stderr.
    (Refused before any query: the database named here is never opened.)"""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'never-opened.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_wordpress", str(REAL / "ghost-v4-export.json")],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"CommandError: {REAL / 'ghost-v4-export.json'} refused: not a WordPress export: "
        "the file is a JSON file (a Ghost export? use import_ghost); nothing was written"
    ]


def test_a_file_cut_short_after_many_batches_changes_nothing(tmp_path):
    """Truncated after 600 complete posts (more than one batch of 500): nothing at all
    stays behind, not the authors, the categories, the tags or the first batch."""
    from tests.transfer.generate import write_wxr

    whole = tmp_path / "whole.xml"
    write_wxr(whole, posts=700, body_bytes=300)
    text = whole.read_text(encoding="utf-8")
    cut = text.index("</item>", len(text) * 6 // 7) + len("</item>") + 40
    path = write(tmp_path, text[:cut], "cut.xml")
    with pytest.raises(CommandError, match="damaged or cut short"):
        call_command("import_wordpress", path, "--workers", "1")
    assert nothing_written()


# --- authors -----------------------------------------------------------------------------


def test_email_creator_without_author_block(run_import, tmp_path):
    """`dc:creator` holding an e-mail address and no `wp:author` (Squarespace, tools)."""
    start, end = SIMPLE.index("<wp:author>"), SIMPLE.index("</wp:author>") + len("</wp:author>")
    text = SIMPLE[:start] + SIMPLE[end:]
    text = text.replace("<dc:creator><![CDATA[admin]]>", "<dc:creator><![CDATA[jo@example.org]]>")
    summary = run_import("import_wordpress", write(tmp_path, text))
    assert summary["created"] == {"authors": 1, "categories": 1, "posts": 1}
    author = Post.objects.get().author
    assert (author.username, author.email) == ("jo", "jo@example.org")


def test_whitespace_in_logins_makes_one_user(run_import, tmp_path):
    text = V11.replace("<wp:author_login>john</wp:author_login>", "<wp:author_login> john\n")
    text = text.replace(
        "<wp:author_login> john\n", "<wp:author_login> john\n</wp:author_login>"
    ).replace("<dc:creator>john</dc:creator>", "<dc:creator>john </dc:creator>")
    summary = run_import("import_wordpress", write(tmp_path, text))
    assert summary["created"]["authors"] == 1
    assert list(User.objects.values_list("username", "email")) == [("john", "johndoe@example.org")]


# --- categories with the same name under different parents --------------------------------

CATEGORIES = "".join(
    f"<wp:category><wp:category_nicename>{slug}</wp:category_nicename>"
    f"<wp:category_parent>{parent}</wp:category_parent>"
    f"<wp:cat_name><![CDATA[{name}]]></wp:cat_name>"
    f"<wp:category_description><![CDATA[{description}]]></wp:category_description>"
    "</wp:category>\n"
    for slug, parent, name, description in [
        ("europe", "", "Europe", ""),
        ("asia", "", "Asia", ""),
        ("news-europe", "europe", "News", "From Europe"),
        ("news-asia", "asia", "News", "From Asia"),
    ]
)


def test_same_category_name_under_two_parents_stays_two_and_settles(run_import, tmp_path):
    text = V11.replace("\t<wp:tag>", CATEGORIES + "\t<wp:tag>", 1).replace(
        '<category domain="category" nicename="alpha"><![CDATA[alpha]]></category>',
        '<category domain="category" nicename="news-asia"><![CDATA[News]]></category>',
    )
    path = write(tmp_path, text)
    run_import("import_wordpress", path)
    europe, asia = Category.objects.get(slug="news-europe"), Category.objects.get(slug="news-asia")
    assert (europe.name, europe.description) == ("News", "From Europe")
    assert (asia.name, asia.description) == ("Asia > News", "From Asia")
    assert Post.objects.get().category == asia
    again = run_import("import_wordpress", path)
    assert again["updated"] == {}
    assert again["unchanged"]["categories"] == 5


# --- untitled and undated posts; the command line -----------------------------------------


def test_untitled_post_is_imported_with_a_title_and_said(run_import, tmp_path):
    text = SIMPLE.replace('<![CDATA["The Road Not Taken" by Robert Frost]]>', "")
    summary = run_import("import_wordpress", write(tmp_path, text))
    assert Post.objects.get().title == "Two roads diverged in a yellow wood, And…"
    assert summary["adjusted"] == {"untitled: titled from its first words or date": 1}


def test_published_post_without_a_date_is_said(run_import, tmp_path):
    text = SIMPLE.replace("2024-06-05 16:04:48", "0000-00-00 00:00:00")
    summary = run_import("import_wordpress", write(tmp_path, text))
    assert Post.objects.get().is_public
    assert summary["adjusted"] == {"published without a date: dated at the import time": 1}


def test_command_line_mistakes_are_one_line_errors(tmp_path):
    with pytest.raises(CommandError, match=r"^--authors: no such file: /nowhere.csv$"):
        call_command("import_wordpress", str(REAL / "wxr-simple.xml"), "--authors", "/nowhere.csv")
    with pytest.raises(CommandError, match=r"--timezone 'Mars/Olympus' is not a time zone"):
        call_command("import_wordpress", str(REAL / "wxr-simple.xml"), "--timezone", "Mars/Olympus")
    assert nothing_written()


def test_progress_reaches_the_end_only_when_posts_are_written(tmp_path):
    """The bar (bytes read) must not show 100% while the last batch is still converted."""
    from tests.transfer.generate import write_wxr

    path = tmp_path / "generated.xml"
    write_wxr(path, posts=30, body_bytes=200)
    size = path.stat().st_size
    seen = []
    with path.open("rb") as stream:
        reader = WordPressReader(stream)

        def progress() -> None:
            seen.append((stream.tell() >= size, Post.objects.count()))

        import_records(reader, options=ImportOptions(source="wordpress"), progress=progress)
    at_end = [count for done, count in seen if done]
    assert at_end and all(count == 30 for count in at_end)


# --- content the conversion keeps, or counts ----------------------------------------------

BODY = """<!-- wp:paragraph --><p>Line one<br>line two, H<sub>2</sub>O, x<sup>2</sup>,
<mark>marked</mark>, <u>underlined</u>, shown as text: &lt;code&gt;, a path C:\\temp\\*.</p>
<!-- /wp:paragraph -->
First<!--more-->Second

[audio mp3="https://media.example/a.mp3"][/audio]

[youtube https://www.youtube.com/watch?v=abc]

<iframe src="https://maps.example/embed?x=1"></iframe>

[caption id="a"]<a href="https://img.example/big.jpg"><img src="https://img.example/s.jpg" \
alt="Pic"></a> Seen on <a href="https://credit.example/">Credit</a>[/caption]

<table><tr><th>a</th></tr><tr><td>x | y</td></tr></table>

<!-- wp:embed {"url":"https://vimeo.com/123","type":"video"} -->
<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">
https://vimeo.com/123
</div></figure>
<!-- /wp:embed -->

[gallery ids="1,2,3"]"""


def test_content_is_kept_or_its_loss_counted(run_import, tmp_path):
    text = SIMPLE.replace(
        SIMPLE[SIMPLE.index("<!-- wp:paragraph -->") : SIMPLE.index("]]></content:encoded>")], BODY
    )
    summary = run_import("import_wordpress", write(tmp_path, text))
    html = Post.objects.get().body_html
    for kept in (
        "Line one<br>",
        "H<sub>2</sub>O",
        "x<sup>2</sup>",
        "<mark>marked</mark>",
        "<ins>underlined</ins>",
        "&lt;code&gt;",
        "C:\\temp\\*",
        "First</p>",
        "<p>Second</p>",
        'href="https://media.example/a.mp3"',
        'href="https://www.youtube.com/watch?v=abc"',
        'href="https://maps.example/embed?x=1"',
        'src="https://img.example/s.jpg"',
        'href="https://credit.example/"',
        "<td>x | y</td>",
        'href="https://vimeo.com/123"',
    ):
        assert kept in html, kept
    # The gallery has no content of its own here: its loss is counted, not silent.
    assert summary["adjusted"] == {"lost in conversion: shortcode [gallery]": 1}


def test_ghost_bookmark_card_becomes_a_link(run_import, tmp_path):
    document = json.loads((REAL / "ghost-v4-export.json").read_text(encoding="utf-8"))
    post = document["db"][0]["data"]["posts"][0]
    post["html"] = (
        '<p>See:</p><figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" '
        'href="https://opensubscriptionplatforms.com/"><div class="kg-bookmark-content">'
        '<div class="kg-bookmark-title">Open Subscription Platforms</div>'
        '<div class="kg-bookmark-description">A shared movement.</div></div></a></figure>'
    )
    path = write(tmp_path, json.dumps(document), "ghost.json")
    summary = run_import("import_ghost", path)
    stored = Post.objects.get()
    assert '<a href="https://opensubscriptionplatforms.com/"' in stored.body_html
    assert ">Open Subscription Platforms</a>" in stored.body_html
    assert "A shared movement." in stored.body_html
    assert summary.get("adjusted", {}) == {}


def test_a_damaged_or_hostile_editor_document_falls_back_to_plaintext(run_import, tmp_path):
    """A Lexical tree nested 100,000 deep (or not JSON at all) neither crashes the import
    nor loses the post: its `plaintext` is used."""
    document = json.loads((REAL / "ghost-v4-export.json").read_text(encoding="utf-8"))
    post = document["db"][0]["data"]["posts"][0]
    deep = '{"root": {"children": [' + '{"type": "paragraph", "children": [' * 100_000
    post.update(html=None, mobiledoc="{not json", lexical=deep + "]}" * 100_000 + "]}}")
    summary = run_import("import_ghost", write(tmp_path, json.dumps(document), "ghost.json"))
    assert summary["created"]["posts"] == 1
    assert "Zapier is a no-code tool" in Post.objects.get().body_html
