"""A blank excerpt stays blank and readers get the start of the *current* body, on every
surface: meta description, social card, JSON-LD, listings, search, the API."""

import importlib
import json
import re

import pytest
from django.apps import apps
from markupsafe import escape

from blog.markdown import excerpt_from
from blog.models import Post
from blog.services import post_update
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

FIRST = "The lighthouse keeper kept a log."
SECOND = "The keeper moved to the mainland in 1962."


def page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_blank_excerpt_follows_the_body_through_every_edit(client_for, author, client):
    post = PostFactory(author=author, body=FIRST, excerpt="")
    assert (post.excerpt, post.summary) == ("", FIRST)

    response = client_for(author).post(
        change_url(post), form(post, body=SECOND, _action="update"), follow=True
    )
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.excerpt == ""  # still blank: nothing was written
    assert post.summary == SECOND
    client.logout()
    html = page(client, post)
    assert f'<meta name="description" content="{SECOND}">' in html
    assert f'<meta property="og:description" content="{SECOND}">' in html
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html).group(1))
    assert data["description"] == SECOND
    assert f"<p>{SECOND}</p>" in client.get("/").content.decode()  # the listing summary
    assert FIRST not in client.get("/").content.decode()


def test_a_written_excerpt_is_kept_whatever_the_body_becomes(client):
    post = PostFactory(body=FIRST, excerpt="A keeper's life.")
    post_update(post=post, data={"body": SECOND}, user=None)
    post.refresh_from_db()
    assert (post.excerpt, post.summary) == ("A keeper's life.", "A keeper's life.")
    escaped = escape("A keeper's life.")
    assert f'content="{escaped}"' in page(client, post)
    # Cleared: taken from the body again.
    post_update(post=post, data={"excerpt": ""}, user=None)
    post.refresh_from_db()
    assert (post.excerpt, post.summary) == ("", SECOND)


def test_the_admin_form_shows_the_written_excerpt_blank(client_for, author):
    post = PostFactory(author=author, body=FIRST, excerpt="")
    form_page = client_for(author).get(change_url(post))
    assert form_page.context["adminform"].form["excerpt"].value() == ""
    html = form_page.content.decode()
    assert "kept up to date with it" in html  # the help text
    assert f"Readers now see: “{FIRST}”" in html
    post.body = "Fish `<b>` & chips"  # text that looks like a tag: shown, not obeyed
    post.save()
    html = client_for(author).get(change_url(post)).content.decode()
    assert "Readers now see: “Fish &lt;b&gt; &amp; chips”" in html


def test_search_finds_the_summary(client):
    post = PostFactory(title="Log", body=FIRST, excerpt="")
    post_update(post=post, data={"body": SECOND}, user=None)
    found = client.get("/search/", {"q": "mainland"}).content.decode()
    assert post.get_absolute_url() in found


def test_migration_blanks_only_the_excerpts_that_were_filled_in(client):
    """0010: an excerpt equal to what its body gives was filled in automatically and now
    follows the body; any other excerpt is the writer's and stays; summaries are filled."""
    auto = PostFactory(body=f"{FIRST}\n\nMore.", excerpt="")
    written = PostFactory(body=FIRST, excerpt="Written by hand.")
    stale = PostFactory(body=SECOND, excerpt="")
    # As the old code stored them: the excerpt filled in, links marked nofollow.
    old_html = '<p><a href="/about/" rel="noopener noreferrer nofollow">About</a></p>'
    Post.objects.filter(pk=auto.pk).update(excerpt=excerpt_from(auto.body_html), summary="")
    Post.objects.filter(pk=stale.pk).update(
        excerpt="About", body="[About](/about/)", body_html=old_html, summary=""
    )
    Post.objects.filter(pk=written.pk).update(summary="")

    migration = importlib.import_module("blog.migrations.0010_written_excerpt_and_summary")
    migration.rerender_and_summarise(apps, None)

    rows = {p.pk: p for p in Post.objects.all()}
    assert (rows[auto.pk].excerpt, rows[auto.pk].summary) == ("", f"{FIRST} More.")
    assert (rows[written.pk].excerpt, rows[written.pk].summary) == (
        "Written by hand.",
        "Written by hand.",
    )
    assert rows[stale.pk].excerpt == "" and rows[stale.pk].summary == "About"
    assert rows[stale.pk].body_html == '<p><a href="/about/">About</a></p>'
    assert rows[stale.pk].updated_at == stale.updated_at  # not an edit

    migration.restore_excerpts(apps, None)  # backwards: nothing readers saw is lost
    assert Post.objects.get(pk=auto.pk).excerpt == f"{FIRST} More."
    assert Post.objects.get(pk=written.pk).excerpt == "Written by hand."
