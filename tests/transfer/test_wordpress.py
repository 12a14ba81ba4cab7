"""WordPress WXR import, checked field by field on a file written for the tests
(tests/transfer/fixtures/wordpress.xml): three authors, nested categories, shortcodes,
block comments, auto-paragraphs, non-ASCII slugs, a duplicate slug, a scheduled, a
pending, a private, a trashed and a password-protected post, a malformed item, a page,
an attachment and comments."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.roles import CONTRIBUTOR
from blog.models import Category, Post, Tag
from blog.redirects import Redirect
from blog.selectors import search_posts
from comments.models import Comment
from tests.factories import UserFactory
from transfer.models import SourceKey
from transfer.sources import review_status

pytestmark = pytest.mark.django_db
User = get_user_model()


def _post(slug: str) -> Post:
    return Post.objects.select_related("author", "category").get(slug=slug)


def test_summary_counts_every_item_and_says_what_it_changed(run_import):
    summary = run_import("import_wordpress", "wordpress.xml")
    assert summary["created"] == {
        "authors": 3, "categories": 4, "pages": 1, "posts": 7, "tags": 2, "comments": 2
    }  # fmt: skip
    assert summary["skipped"] == {
        "attachment": 1,
        "invalid item": 1,
        "password-protected": 1,
        "status private": 1,
        "status trash": 1,
    }
    assert summary["problems"] == [
        "invalid item: item 20 ('Broken date'): Invalid isoformat string: 'not a date'",
        "lost in conversion: shortcode [gallery]: "
        "post old.example.org#11 ('Café au lait, über alles')",
    ]
    # What the conversion could not keep is counted, never dropped silently.
    assert summary["adjusted"] == {"lost in conversion: shortcode [gallery]": 1}
    notes = summary["notes"]
    assert "nested categories flattened to the leaf: News > World > Europe → Europe" in notes
    pending_note = "pending posts imported as drafts: the blog has no review status"
    assert (pending_note in notes) == (review_status() is None)
    assert "slug 'hello-world' taken or not ASCII: imported as 'hello-world-2'" in notes


def test_block_editor_post_field_by_field(run_import):
    run_import("import_wordpress", "wordpress.xml")
    post = _post("hello-world")
    assert post.title == "Hello World"
    assert post.status == Post.Status.PUBLISHED and post.is_public
    assert post.published_at == datetime(2023, 4, 5, 8, 30, tzinfo=UTC)  # the GMT date
    assert post.created_at == datetime(2023, 4, 5, 8, 30, tzinfo=UTC)
    assert post.updated_at == datetime(2023, 4, 6, 10, 0, tzinfo=UTC)
    assert post.author.username == "alice"
    assert post.category.name == "Europe"  # the leaf of News > World > Europe
    assert sorted(post.tags.values_list("name", flat=True)) == ["Café", "Python"]
    assert post.excerpt == "A short excerpt."
    # Block comments gone, Markdown source, HTML rendered and sanitised by blog.markdown.
    assert "wp:" not in post.body
    assert post.body.startswith("The **first** post, with a [link](https://example.com/).")
    assert "### A heading" in post.body
    assert "- one\n- two" in post.body
    assert "<script" not in post.body_html and "alert" not in post.body_html
    assert "onclick" not in post.body_html and "<p>Clicked</p>" in post.body_html
    assert '<h3 id="a-heading">A heading</h3>' in post.body_html


def test_classic_post_shortcodes_and_auto_paragraphs(run_import):
    run_import("import_wordpress", "wordpress.xml")
    post = _post("cafe-au-lait")  # from the percent-encoded non-ASCII slug
    assert post.title == "Café au lait, über alles"
    assert post.author.username == "bob" and post.author.display_name == "Bob Bäcker"
    assert post.category.name == "Décor" and post.category.slug == "decor"
    html = post.body_html
    assert html.startswith(
        "<p>A classic-editor post without paragraph tags.<br>\nSecond line of the first paragraph."
    )
    assert '<img src="https://old.example.org/wp-content/uploads/cup.jpg" alt="A cup">' in html
    assert "<em>A cup of coffee</em>" in html and "[caption" not in post.body
    assert "[gallery" not in post.body and "[embed]" not in post.body
    assert 'href="https://www.youtube.com/watch?v=abc123"' in html
    assert "Footnote style [1] and [sic] stay as they are." in html
    assert '```python\nprint("<hi>")\n```' in post.body
    assert post.excerpt == ""  # none written: derived from the body, and kept up to date
    assert post.summary.startswith("A classic-editor post without paragraph tags.")


def test_statuses_dates_and_non_ascii(run_import):
    run_import("import_wordpress", "wordpress.xml")
    scheduled = _post("coming-soon")
    assert scheduled.state == Post.State.SCHEDULED
    assert scheduled.published_at == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
    draft = _post("half-written")  # no post_name: the slug comes from the title
    assert draft.state == Post.State.DRAFT and draft.published_at is None
    assert draft.created_at == datetime(2023, 8, 1, 12, 0, tzinfo=UTC)  # local, zone UTC
    pending = Post.objects.get(title="Waiting for review")
    # "In review" where the blog has that state (the editors' work), else a draft.
    assert pending.status == (review_status() or Post.Status.DRAFT)
    assert pending.published_at is None
    russian = Post.objects.get(title="Привет, мир")
    assert russian.body_html == "<p>Текст на русском.</p>"
    assert russian.author.username == "carol"
    # The second "hello-world" of the file gets the next free slug.
    assert _post("hello-world-2").title == "Hello again, world"
    titles = set(Post.objects.values_list("title", flat=True))
    assert not titles & {"Only for me", "Thrown away", "Members only", "Broken date", "About us"}


def test_authors_become_contributors_without_passwords(run_import):
    run_import("import_wordpress", "wordpress.xml")
    alice = User.objects.get(username="alice")
    assert alice.email == "alice@old.example.org"
    assert (alice.first_name, alice.last_name, alice.display_name) == (
        "Alice",
        "Archer",
        "Alice Archer",
    )
    assert list(alice.groups.values_list("name", flat=True)) == [CONTRIBUTOR]
    assert not alice.has_usable_password()
    assert not alice.is_superuser


def test_authors_mapped_by_csv(run_import, tmp_path):
    editor = UserFactory(username="editor-in-chief")
    mapping = tmp_path / "map.csv"
    mapping.write_text("source_login,username\nalice,editor-in-chief\n")
    summary = run_import("import_wordpress", "wordpress.xml", "--authors", str(mapping))
    assert summary["created"]["authors"] == 2  # bob and carol; alice is the editor
    assert _post("hello-world").author == editor
    assert not User.objects.filter(username="alice").exists()


def test_author_matched_by_email_is_reused(run_import):
    existing = UserFactory(username="bobby", email="BOB@old.example.org")
    run_import("import_wordpress", "wordpress.xml")
    assert _post("cafe-au-lait").author == existing


def test_reimport_updates_instead_of_duplicating(run_import, fixture_path, tmp_path):
    run_import("import_wordpress", "wordpress.xml")
    counts = (Post.objects.count(), User.objects.count(), Category.objects.count())
    again = run_import("import_wordpress", "wordpress.xml")
    assert again["created"] == {}
    # A re-run says "unchanged" for every kind, not 0/0/0 (issue 27, item 11).
    unchanged = {"authors": 3, "categories": 4, "pages": 1, "posts": 7, "tags": 2}
    assert again["unchanged"] == unchanged | {"comments": 2}
    assert (Post.objects.count(), User.objects.count(), Category.objects.count()) == counts
    # An edited export updates the same post, keeping its slug.
    edited = tmp_path / "edited.xml"
    text = Path(fixture_path("wordpress.xml")).read_text(encoding="utf-8")
    edited.write_text(text.replace("Hello World", "Hello, edited World"), encoding="utf-8")
    third = run_import("import_wordpress", str(edited))
    assert third["updated"] == {"posts": 1} and third["unchanged"]["posts"] == 6
    assert _post("hello-world").title == "Hello, edited World"
    assert Post.objects.count() == counts[0]
    # Posts and the page alike: their source keys are of kind "post".
    assert SourceKey.objects.filter(source="wordpress", kind="post").count() == 8


def test_dry_run_reports_and_changes_nothing(run_import):
    before = (Post.objects.count(), User.objects.count(), Tag.objects.count())
    summary = run_import("import_wordpress", "wordpress.xml", "--dry-run", "--keep-permalinks")
    assert summary["dry_run"] is True
    assert summary["created"] == {
        "authors": 3, "categories": 4, "pages": 1, "posts": 7, "tags": 2, "comments": 2
    }  # fmt: skip
    assert (Post.objects.count(), User.objects.count(), Tag.objects.count()) == before
    assert not Comment.objects.exists()
    assert not SourceKey.objects.exists() and not Redirect.objects.exists()


def test_a_post_the_database_refuses_is_skipped_alone(run_import, fixture_path, tmp_path):
    """A title over 200 characters passes the reader but not the model: one item skipped."""
    long_title = tmp_path / "long.xml"
    text = Path(fixture_path("wordpress.xml")).read_text(encoding="utf-8")
    long_title.write_text(text.replace("Hello again, world", "x" * 300), encoding="utf-8")
    summary = run_import("import_wordpress", str(long_title))
    assert summary["created"]["posts"] == 6
    assert any("at most 200 characters" in p for p in summary["problems"])


@pytest.mark.parametrize("name", ["billion-laughs.xml", "external-entity.xml"])
def test_hostile_xml_is_refused(fixture_path, name):
    with pytest.raises(CommandError, match=r"refused: (EntitiesForbidden|DTDForbidden)"):
        call_command("import_wordpress", fixture_path(name))
    assert not Post.objects.exists()


def test_summary_table_on_stdout(fixture_path, capsys):
    call_command("import_wordpress", fixture_path("wordpress.xml"))
    out = capsys.readouterr().out
    assert out.startswith("Import finished")
    assert "posts               7        0          0" in out
    assert "status private" in out


def test_generated_export_through_worker_processes(run_import, tmp_path):
    """Bodies converted and rendered by two worker processes land like inline ones."""
    from tests.transfer.generate import write_wxr

    path = tmp_path / "generated.xml"
    write_wxr(path, posts=60, body_bytes=2000)
    summary = run_import("import_wordpress", str(path), "--workers", "2")
    assert summary["created"]["posts"] == 60 and summary["skipped"] == {}
    post = Post.objects.get(slug="post-5")
    assert post.body_html.startswith('<h2 id="part-5">Part 5</h2>')
    assert "<em>Caption 5</em>" in post.body_html and "wp:" not in post.body
    assert post.author.username == "writer0" and post.tags.count() == 2
    assert Post.objects.filter(status=Post.Status.DRAFT).count() == 2
    # The search index is filled once at the end, for every imported post: PostgreSQL's
    # vectors or SQLite's FTS5 table, whichever database runs the suite.
    if connection.vendor == "postgresql":
        assert not Post.objects.filter(search_vector__isnull=True).exists()
    word = post.title.split()[-1]
    found = set(search_posts(Post.objects.public(), word))
    assert found and found == {p for p in Post.objects.public() if word in p.title + p.body}


def test_author_map_naming_an_unknown_user_stops_before_importing(fixture_path, tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_text("alice,nobody\n")
    with pytest.raises(CommandError, match=r"do not exist: \['nobody'\]"):
        call_command("import_wordpress", fixture_path("wordpress.xml"), "--authors", mapping)
    assert not Post.objects.exists()
