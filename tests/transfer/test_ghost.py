"""Ghost JSON import, field by field (tests/transfer/fixtures/ghost.json): Lexical and
Mobiledoc posts, primary tag as category, internal tags left out, several authors, a
scheduled post, a draft, a page, a newsletter-only post, a non-ASCII slug, a slug taken
by a local post and a malformed date."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from blog.models import Post, Tag
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def local_post():
    return PostFactory(slug="existing-post", title="Already here")


def test_summary(run_import, local_post):
    summary = run_import("import_ghost", "ghost.json")
    # The page becomes a page (its author, who wrote no post, a user of their own).
    created = {"authors": 4, "categories": 2, "pages": 1, "posts": 6, "tags": 2}
    assert summary["created"] == created
    assert summary["skipped"] == {"invalid item": 1, "status sent": 1}
    assert summary["problems"] == [
        "invalid item: post p8 ('Bad date'): Invalid isoformat string: 'someday'"
    ]
    assert (
        "slug 'existing-post' taken or not ASCII: imported as 'existing-post-2'"
        in (summary["notes"])
    )


def test_lexical_post_field_by_field(run_import, local_post):
    run_import("import_ghost", "ghost.json")
    post = Post.objects.select_related("author", "category").get(slug="shipping-lexical")
    assert post.title == "Shipping Lexical"
    assert post.published_at == datetime(2024, 1, 2, 10, 0, tzinfo=UTC)
    assert post.created_at == datetime(2024, 1, 2, 9, 0, tzinfo=UTC)
    assert post.updated_at == datetime(2024, 1, 3, 10, 0, tzinfo=UTC)
    assert post.is_public
    # The first (primary) of several authors leads; the others follow in `sort_order`
    # (tests/transfer/test_coauthors_expiry.py). No Ghost password hash ever copied.
    assert post.author.username == "grace" and post.author.display_name == "Grace Hopper"
    assert post.author.bio == "Admiral." and not post.author.has_usable_password()
    assert post.category.name == "Engineering"  # the primary tag
    assert sorted(post.tags.values_list("slug", flat=True)) == ["engineering", "unicode"]
    assert not Tag.objects.filter(name__startswith="#").exists()
    assert post.excerpt == "Custom excerpt."
    assert post.body.startswith("Shipping *Lexical* today.")
    assert "```js\nlet a = 1;\n```" in post.body
    assert '<img src="https://ghost.example/content/images/a.png" alt="Diagram">' in (
        post.body_html
    )


def test_other_posts(run_import, local_post):
    run_import("import_ghost", "ghost.json")
    mobiledoc = Post.objects.get(slug="mobiledoc-post")
    assert "<em>Mobiledoc</em>" in mobiledoc.body_html and "<li>a</li>" in mobiledoc.body_html
    assert mobiledoc.author.username == "linus"
    assert Post.objects.get(slug="launch-day").state == Post.State.SCHEDULED
    draft = Post.objects.get(slug="notes")
    assert draft.state == Post.State.DRAFT and draft.published_at is None
    greek = Post.objects.get(title="Ελληνικά νέα")
    assert greek.body_html == "<p>Καλημέρα.</p>"
    assert Post.objects.get(slug="existing-post").title == "Already here"  # untouched
    assert Post.objects.get(slug="existing-post-2").title == "Taken slug"
    assert not Post.objects.filter(title__in=["About", "Newsletter only", "Bad date"]).exists()


def test_reimport_and_author_map(run_import, local_post, tmp_path):
    chief = UserFactory(username="chief")
    mapping = tmp_path / "map.csv"
    mapping.write_text("u3,chief\n")
    run_import("import_ghost", "ghost.json", "--authors", str(mapping))
    assert Post.objects.get(slug="launch-day").author == chief
    again = run_import("import_ghost", "ghost.json", "--authors", str(mapping))
    assert again["created"] == {}
    unchanged = {"authors": 4, "categories": 2, "pages": 1, "posts": 6, "tags": 2}
    assert again["unchanged"] == unchanged
    assert Post.objects.count() == 7


def test_dry_run(run_import):
    summary = run_import("import_ghost", "ghost.json", "--dry-run")
    assert summary["created"]["posts"] == 6
    assert not Post.objects.exists() and not User.objects.exists()
