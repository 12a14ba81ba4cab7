"""Comments in and out: `import_wordpress` and `import_ghost` bring approved comments,
`manage.py export` carries them and `import_broadsheet` reads them back.

Real files from public sources (tests/transfer/fixtures/real/PROVENANCE.md); variants are
derived in memory, never by editing them.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from blog.models import Category, Post, Tag
from comments.models import Comment
from tests.comments.test_api import api  # noqa: F401  (fixture)
from tests.factories import AuthorFactory, PostFactory
from tests.transfer.conftest import (
    fixture_path,  # noqa: F401  (fixture)
    run_import,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db
REAL = Path(__file__).parents[1] / "transfer" / "fixtures" / "real"
COMPREHENSIVE = REAL / "wxr-comprehensive.xml"


def wp_comment(comment_id, content, *, parent=0, approved="1", kind="", when="2024-06-07"):
    return f"""
      <wp:comment>
        <wp:comment_id>{comment_id}</wp:comment_id>
        <wp:comment_author><![CDATA[Reader {comment_id}]]></wp:comment_author>
        <wp:comment_author_email><![CDATA[reader{comment_id}@example.com]]></wp:comment_author_email>
        <wp:comment_author_IP>192.0.2.{comment_id % 250}</wp:comment_author_IP>
        <wp:comment_date><![CDATA[{when} 12:00:00]]></wp:comment_date>
        <wp:comment_date_gmt><![CDATA[{when} 10:00:{comment_id % 60:02d}]]></wp:comment_date_gmt>
        <wp:comment_content><![CDATA[{content}]]></wp:comment_content>
        <wp:comment_approved>{approved}</wp:comment_approved>
        <wp:comment_type>{kind}</wp:comment_type>
        <wp:comment_parent>{parent}</wp:comment_parent>
      </wp:comment>"""


def with_comments(tmp_path: Path, *comments: str) -> str:
    """The real comprehensive export with more comments under its post."""
    text = COMPREHENSIVE.read_text(encoding="utf-8")
    anchor = "      </wp:comment>\n    </item>"
    assert anchor in text
    path = tmp_path / "threaded.xml"
    path.write_text(
        text.replace(anchor, "      </wp:comment>" + "".join(comments) + "\n    </item>")
    )
    return str(path)


# --- WordPress ----------------------------------------------------------------------------


def test_a_real_export_brings_its_approved_comment(run_import, api):  # noqa: F811
    summary = run_import("import_wordpress", str(COMPREHENSIVE))

    assert summary["created"]["comments"] == 1
    comment = Comment.objects.get()
    post = Post.objects.get(slug="comprehensive-post")
    assert (comment.post, comment.parent, comment.status) == (post, None, "approved")
    assert comment.author_name == "Commenter"
    assert comment.author_email == "commenter@example.com"  # for moderation
    assert comment.client_ip is None  # addresses are not imported
    assert comment.created_at == datetime(2024, 6, 6, 10, 0, tzinfo=UTC)
    assert comment.body == "Great post!" and comment.body_html == "<p>Great post!</p>"
    assert comment.source_id == "wordpress:playground.internal/site#5000"
    assert comment.member is None
    # Readers see it, without the address; the listing counts it.
    thread = api.get(f"/api/posts/{post.pk}/comments/")
    assert [row["author_name"] for row in thread.json()["results"]] == ["Commenter"]
    assert b"commenter@example.com" not in thread.content
    assert api.get(f"/api/posts/{post.pk}/").json()["comment_count"] == 1


def test_a_re_import_skips_comments_it_brought(run_import):  # noqa: F811
    run_import("import_wordpress", str(COMPREHENSIVE))
    again = run_import("import_wordpress", str(COMPREHENSIVE))
    assert again["created"] == {} and again["unchanged"]["comments"] == 1
    assert Comment.objects.count() == 1


def test_notes_are_not_comments(run_import):  # noqa: F811
    """WordPress 6.9 exports editors' notes as comments of type `note`."""
    summary = run_import("import_wordpress", str(REAL / "wxr-with-note-comments.xml"))
    assert summary["created"]["comments"] == 1
    assert summary["skipped"]["comment: editor's note"] == 2
    comment = Comment.objects.get()
    assert comment.body == "Comment on post Page with notes and comments"
    assert comment.post.kind == Post.Kind.PAGE


def test_threads_flatten_to_one_level_and_the_rest_is_skipped_and_counted(
    run_import,  # noqa: F811
    tmp_path,
):
    path = with_comments(
        tmp_path,
        wp_comment(5001, "A reply", parent=5000),
        wp_comment(5002, "A reply to the reply", parent=5001),
        wp_comment(5003, "Third level", parent=5002),
        wp_comment(5004, "Linked you", kind="pingback"),
        wp_comment(5005, "Also linked", kind="trackback"),
        wp_comment(5006, "Buy pills", approved="spam"),
        wp_comment(5007, "Waiting", approved="0"),
        wp_comment(5008, "Binned", approved="trash"),
        wp_comment(5009, "Reply under a spam one", parent=5006),
        wp_comment(
            5010, "<p>With <strong>HTML</strong> and <a href='https://example.org/x'>a link</a></p>"
        ),
    )

    summary = run_import("import_wordpress", path)

    assert summary["created"]["comments"] == 6
    assert summary["skipped"] == {
        "comment: pingback or trackback": 2,
        "comment: spam": 1,
        "comment: not approved": 1,
        "comment: in the trash": 1,
    }
    by_id = {c.source_id.rsplit("#", 1)[1]: c for c in Comment.objects.all()}
    top = by_id["5000"]
    assert [by_id[i].parent for i in ("5001", "5002", "5003")] == [top, top, top]
    assert by_id["5009"].parent is None  # its top-level comment was spam: top-level here
    converted = by_id["5010"]
    assert converted.body == "With **HTML** and [a link](https://example.org/x)"
    assert 'rel="nofollow ugc"' in converted.body_html
    assert "<strong>HTML</strong>" in converted.body_html
    assert by_id["5001"].author_email == "reader5001@example.com"
    assert by_id["5001"].client_ip is None
    # The thread shows them oldest first (dates in GMT).
    assert list(Comment.objects.values_list("created_at", flat=True)) == sorted(
        Comment.objects.values_list("created_at", flat=True)
    )


def test_a_dry_run_writes_no_comment(run_import, tmp_path):  # noqa: F811
    summary = run_import("import_wordpress", str(COMPREHENSIVE), "--dry-run")
    assert summary["created"]["comments"] == 1
    assert not Comment.objects.exists()


# --- Ghost --------------------------------------------------------------------------------


def test_ghost_default_exports_carry_no_comments():
    """Ghost keeps `comments` among its backup tables: the default export leaves it out
    (docs/import-export.md). Our real Ghost files have none."""
    for name in ("ghost-v4-export.json", "ghost-v2-export.json"):
        data = json.loads((REAL / name).read_text(encoding="utf-8"))["db"][0]["data"]
        assert "comments" not in data


def test_ghost_full_exports_bring_published_comments(run_import, tmp_path):  # noqa: F811
    document = json.loads((REAL / "ghost-v4-export.json").read_text(encoding="utf-8"))
    data = document["db"][0]["data"]
    post_id = data["posts"][0]["id"]
    data["members"] = [{"id": "m1", "name": "Ada Member", "email": "ada@example.com"}]
    data["comments"] = [
        {"id": "c1", "post_id": post_id, "member_id": "m1", "parent_id": None,
         "status": "published", "html": "<p>Lovely <em>read</em></p>",
         "created_at": "2024-05-01T10:00:00.000Z", "edited_at": None},
        {"id": "c2", "post_id": post_id, "member_id": "m1", "parent_id": "c1",
         "status": "published", "html": "<p>Replying</p>",
         "created_at": "2024-05-01T11:00:00.000Z", "edited_at": "2024-05-01T11:05:00.000Z"},
        {"id": "c3", "post_id": post_id, "member_id": "m1", "parent_id": None,
         "status": "hidden", "html": "<p>Hidden</p>", "created_at": "2024-05-01T12:00:00.000Z"},
        {"id": "c4", "post_id": "elsewhere", "member_id": "m1", "parent_id": None,
         "status": "published", "html": "<p>Lost</p>", "created_at": "2024-05-01T12:00:00.000Z"},
    ]  # fmt: skip
    path = tmp_path / "ghost-full.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    summary = run_import("import_ghost", str(path))

    assert summary["created"]["comments"] == 2
    assert summary["skipped"]["comment: hidden"] == 1
    assert summary["skipped"]["comment on an item not imported"] == 1
    first, reply = Comment.objects.order_by("created_at")
    assert (first.author_name, first.author_email, first.body) == (
        "Ada Member", "ada@example.com", "Lovely *read*",
    )  # fmt: skip
    assert reply.parent == first and reply.edited_at is not None
    assert first.source_id == "ghost:c1"


# --- our own export: the round trip ---------------------------------------------------------


def _export() -> dict:
    out = io.StringIO()
    call_command("export", stdout=out)
    return json.loads(out.getvalue())


def _without_ids(document: dict) -> dict:
    document = {k: v for k, v in document.items() if k != "exported_at"}
    document["posts"] = [{k: v for k, v in p.items() if k != "id"} for p in document["posts"]]
    return document


@pytest.fixture
def discussed():
    writer = AuthorFactory(username="writer")
    post = PostFactory(title="Talked about", author=writer, category=None)
    start = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    made = []

    def add(body, status="approved", parent=None, **fields):
        at = start + timedelta(minutes=len(made))  # a thread's comments, minutes apart
        made.append(body)
        return Comment.objects.create(
            post=post, parent=parent, author_name="Grace", author_email="grace@example.com",
            body=body, body_html=f"<p>{body}</p>", status=status, created_at=at,
            client_ip="203.0.113.7", **fields,
        )  # fmt: skip

    top = add("First")
    add("A reply", parent=top, edited_at=start + timedelta(minutes=30))
    add("Waiting for a moderator", status="pending")
    add("Spam", status="spam")
    add("Removed", status="removed")
    add("From WordPress", source_id="wordpress:old.example#7")
    return post


def test_the_export_carries_the_thread_and_the_queue_never_addresses(discussed):
    document = _export()
    [post] = [p for p in document["posts"] if p["slug"] == discussed.slug]
    comments = post["comments"]
    assert [(c["body"], c["status"]) for c in comments] == [
        ("First", "approved"),
        ("A reply", "approved"),
        ("Waiting for a moderator", "pending"),
        ("From WordPress", "approved"),
    ]
    assert comments[1]["parent"] == comments[0]["key"] and comments[0]["parent"] is None
    assert comments[3]["key"] == "wordpress:old.example#7"  # where it came from
    assert comments[0]["author_email"] == "grace@example.com"  # the owner's full export
    text = json.dumps(document)
    assert "203.0.113.7" not in text and "client_ip" not in text
    assert set(comments[0]) == {
        "key", "parent", "author_name", "author_email", "body", "status", "created_at",
        "edited_at",
    }  # fmt: skip


def test_the_round_trip_keeps_comments(discussed, tmp_path):
    first = _export()
    path = tmp_path / "export.json"
    call_command("export", "--output", str(path))
    Post.objects.all().delete()  # the comments go with their posts
    Category.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()
    assert not Comment.objects.exists()

    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["created"]["comments"] == 4

    assert _without_ids(_export()) == _without_ids(first)
    reply = Comment.objects.get(body="A reply")
    assert reply.parent.body == "First" and reply.status == "approved"
    assert Comment.objects.get(body="Waiting for a moderator").status == "pending"
    assert reply.body_html == "<p>A reply</p>"  # rendered again, as comments are
    # A second import of the same file adds nothing.
    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"]["comments"] == 4
    assert Comment.objects.count() == 4
