"""Importers and the export keep co-authors in order and the expiry: Ghost's
`posts_authors` by `sort_order`; our own document both ways (round trip)."""

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from blog.models import Category, Post, PostAuthor, Tag
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


def byline(post: Post) -> list[str]:
    return [user.username for user in post.authors_in_order]


def _export() -> dict:
    out = io.StringIO()
    call_command("export", stdout=out)
    return json.loads(out.getvalue())


def test_ghost_keeps_every_author_in_sort_order(run_import):
    run_import("import_ghost", "ghost.json")
    post = Post.objects.get(slug="shipping-lexical")  # posts_authors: u1 (0), u2 (1)
    assert byline(post) == ["grace", "linus"] and post.author.username == "grace"
    # Re-importing the same file changes nothing; one author stays one.
    again = run_import("import_ghost", "ghost.json")
    assert again["unchanged"]["posts"] == 6
    assert PostAuthor.objects.filter(post=post).count() == 2


def test_ghost_real_export_keeps_its_single_author(run_import):
    run_import("import_ghost", "real/ghost-v4-export.json")
    for post in Post.objects.all():
        assert byline(post) == [post.author.username]


def test_export_and_round_trip_keep_authors_in_order_and_the_expiry(tmp_path):
    ada, bea = AuthorFactory(username="ada"), AuthorFactory(username="bea")
    ends = (timezone.now() + timedelta(days=5)).replace(microsecond=0)
    PostFactory(title="Together", author=bea, authors=[bea, ada], expires_at=ends)
    PostFactory(title="Alone", author=ada)
    first = _export()
    together = next(p for p in first["posts"] if p["title"] == "Together")
    assert together["author"] == "bea" and together["authors"] == ["bea", "ada"]
    assert together["expires_at"] == ends.isoformat().replace("+00:00", "Z")
    alone = next(p for p in first["posts"] if p["title"] == "Alone")
    assert alone["authors"] == ["ada"] and alone["expires_at"] is None
    path = tmp_path / "export.json"
    path.write_text(json.dumps(first))
    Post.objects.all().delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()
    call_command("import_broadsheet", str(path), "--json", stdout=io.StringIO())
    post = Post.objects.get(title="Together")
    assert byline(post) == ["bea", "ada"] and post.expires_at == ends
    second = _export()
    strip = lambda doc: [{k: v for k, v in p.items() if k != "id"} for p in doc["posts"]]  # noqa: E731
    assert strip(second) == strip(first)
