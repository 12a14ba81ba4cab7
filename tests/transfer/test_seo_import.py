"""Search-engine and social-card fields moving in and out: Yoast SEO's postmeta from
WordPress, Ghost's `posts_meta`, our own export and its round trip.

The real export files (tests/transfer/fixtures/real) hold no such data (WordPress's test
files have no Yoast postmeta; Ghost's were reduced to one post without `posts_meta`):
they are imported here to show the fields stay blank. The Yoast and Ghost cases use
small files written for these tests (`wordpress-yoast.xml`, `ghost-posts-meta.json`,
whose `posts_meta` rows have the columns of Ghost 5's table).
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from blog.models import Category, Post, Tag
from tests.factories import AuthorFactory, PostFactory
from tests.transfer.test_export import _export, _without_ids
from transfer.sources.wordpress import yoast_text

pytestmark = pytest.mark.django_db

SEO_TEXT = ("meta_title", "meta_description", "canonical_url", "social_title", "social_description")


def seo(post: Post) -> dict:
    return {name: getattr(post, name) for name in (*SEO_TEXT, "noindex")}


# --- WordPress: Yoast SEO ----------------------------------------------------------------


def test_yoast_fields_become_the_post_s_fields(run_import):
    summary = run_import("import_wordpress", "wordpress-yoast.xml")
    assert summary["created"]["posts"] == 3
    tides = Post.objects.get(slug="tide-tables")
    assert seo(tides) == {
        # "%%title%% for May %%page%% %%sep%% %%sitename%%": the empty %%page%% leaves no gap
        "meta_title": "Tide tables for May - Old Harbour",
        "meta_description": "Every tide in May. From Old Harbour: News from the quay.",
        "canonical_url": "https://harbour-times.example.com/2024/tides/",
        "social_title": "Six o'clock, high water",
        "social_description": "",
        "noindex": False,
    }
    rota = Post.objects.get(slug="staff-rota")
    # An unknown variable (%%primary_category%%): the title is dropped, not shown raw; a
    # relative canonical is dropped; noindex "1" hides it from search engines.
    assert seo(rota) == {
        "meta_title": "",
        "meta_description": "",
        "canonical_url": "",
        "social_title": "",
        "social_description": "",
        "noindex": True,
    }
    assert seo(Post.objects.get(slug="plain-post"))["noindex"] is False  # "0": indexed
    assert summary["adjusted"] == {
        "Yoast meta title with unknown variables: dropped": 1,
        "canonical URL not a full http(s) address: dropped": 1,
    }
    assert "canonical URL not a full http(s) address: dropped: post " in "\n".join(
        summary["problems"]
    )


def test_reimporting_the_same_file_changes_nothing_and_keeps_the_fields(run_import):
    run_import("import_wordpress", "wordpress-yoast.xml")
    again = run_import("import_wordpress", "wordpress-yoast.xml")
    assert again["unchanged"]["posts"] == 3 and not again.get("updated")
    assert Post.objects.get(slug="staff-rota").noindex is True


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("%%title%% %%sep%% %%sitename%%", "Tides - Old Harbour"),
        ("%%title%% %%page%% %%sep%% %%sitename%%", "Tides - Old Harbour"),
        ("%%page%% %%sep%% %%title%%", "Tides"),
        ("%%TITLE%%", "Tides"),
        ("Co-op news %%sep%% %%sitename%%", "Co-op news - Old Harbour"),
        ("  Plain   text  ", "Plain text"),
        ("", ""),
        ("%%title%% %%sep%% %%category%%", None),
        ("%%cf_subtitle%%", None),
        ("Half a %%variable", None),
    ],
)
def test_yoast_variables(template, expected):
    known = {"title": "Tides", "sitename": "Old Harbour", "sep": "-", "page": ""}
    assert yoast_text(template, known) == expected


def test_the_real_wordpress_files_import_with_blank_fields(run_import):
    for name in ("real/wxr-simple.xml", "real/valid-wxr-1.1.xml"):
        summary = run_import("import_wordpress", name)
        assert not any("Yoast" in reason for reason in summary["adjusted"]), name
    assert Post.objects.exists()
    for post in Post.objects.all():
        assert seo(post) == dict.fromkeys(SEO_TEXT, "") | {"noindex": False}


# --- Ghost: posts_meta -------------------------------------------------------------------


def test_ghost_posts_meta_become_the_post_s_fields(run_import):
    summary = run_import("import_ghost", "ghost-posts-meta.json")
    assert summary["created"]["posts"] == 4
    assert seo(Post.objects.get(slug="syndicated-story")) == {
        "meta_title": "Syndicated story | Harbour Times",
        "meta_description": "First printed in the Harbour Times, May 2024.",
        "canonical_url": "https://harbour-times.example.com/stories/quay",
        "social_title": "The quay at dawn",  # og_title wins over twitter_title
        "social_description": "A story first printed in the Harbour Times.",
        "noindex": False,
    }
    # Only X's card written: it is the card here too.
    card = Post.objects.get(slug="card-from-x")
    assert (card.social_title, card.social_description) == ("Title for X", "Description for X")
    # `__GHOST_URL__/other-post/` is a path on the old site: dropped and counted.
    assert Post.objects.get(slug="relative-canonical").canonical_url == ""
    assert summary["adjusted"] == {"canonical URL not a full http(s) address: dropped": 1}
    assert seo(Post.objects.get(slug="no-meta-row")) == dict.fromkeys(SEO_TEXT, "") | {
        "noindex": False
    }
    assert (
        "social images (og_image, twitter_image) not imported: pictures are not fetched"
        in summary["notes"]
    )


def test_ghost_1_to_3_keep_the_columns_on_the_post_row(run_import, tmp_path):
    document = {
        "db": [
            {
                "data": {
                    "users": [{"id": "1", "slug": "ada", "name": "Ada"}],
                    "posts": [
                        {
                            "id": "1",
                            "title": "Old Ghost",
                            "slug": "old-ghost",
                            "html": "<p>Text.</p>",
                            "status": "published",
                            "published_at": "2019-01-01T00:00:00.000Z",
                            "author_id": "1",
                            "meta_title": "Old Ghost's SEO title",
                            "meta_description": "Its description.",
                            "og_title": None,
                            "twitter_title": "Its card",
                            "canonical_url": "https://elsewhere.example/old",
                        }
                    ],
                }
            }
        ]
    }
    path = tmp_path / "ghost2.json"
    path.write_text(json.dumps(document))
    run_import("import_ghost", str(path))
    post = Post.objects.get(slug="old-ghost")
    assert (post.meta_title, post.meta_description) == ("Old Ghost's SEO title", "Its description.")
    assert (post.social_title, post.canonical_url) == ("Its card", "https://elsewhere.example/old")


def test_the_real_ghost_files_import_with_blank_fields(run_import):
    for name in ("real/ghost-v4-export.json", "real/ghost-v2-export.json"):
        summary = run_import("import_ghost", name)
        assert not summary["adjusted"].get("canonical URL not a full http(s) address: dropped")
    assert Post.objects.exists()
    for post in Post.objects.all():
        assert seo(post) == dict.fromkeys(SEO_TEXT, "") | {"noindex": False}


# --- our own export ----------------------------------------------------------------------


def test_the_export_carries_the_fields_and_the_round_trip_keeps_them(tmp_path):
    writer = AuthorFactory(username="writer")
    PostFactory(
        title="Syndicated",
        author=writer,
        meta_title="Syndicated | Harbour",
        meta_description="First printed elsewhere.",
        canonical_url="https://harbour-times.example.com/stories/quay",
        social_title="The quay",
        social_description="At dawn.",
        noindex=True,
    )
    PostFactory(title="Plain", author=writer)
    first = _export()
    by_slug = {post["slug"]: post for post in first["posts"]}
    assert by_slug["syndicated"]["canonical_url"] == (
        "https://harbour-times.example.com/stories/quay"
    )
    assert by_slug["syndicated"]["noindex"] is True
    assert by_slug["syndicated"]["meta_title"] == "Syndicated | Harbour"
    assert (by_slug["plain"]["meta_title"], by_slug["plain"]["noindex"]) == ("", False)

    path = tmp_path / "export.json"
    call_command("export", "--output", str(path))
    Post.objects.all().delete()
    Category.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()
    out = io.StringIO()
    call_command("import_broadsheet", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["created"]["posts"] == 2
    assert _without_ids(_export()) == _without_ids(first)
    assert Post.objects.get(slug="syndicated").noindex is True
