"""The post form's "Search engines and social cards": a collapsed fieldset whose fields are
saved through blog.services, checked with the site's messages, and previewed by
static/editor/seo-preview.js (driven in tests/browser/test_seo_preview.py)."""

import re

import pytest
from django.urls import reverse

from blog.models import Post
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def fieldset(html: str) -> str:
    start = html.index("Search engines and social cards")
    start = html.rindex("<fieldset", 0, start)
    return html[start : html.index("</fieldset>", start)]


def test_the_fields_sit_in_a_collapsed_fieldset_with_the_preview_s_data(client_for, author):
    post = PostFactory(author=author, draft=True, title="Tides", excerpt="Low water at six.")
    html = client_for(author).get(change_url(post)).content.decode()
    seo = fieldset(html)
    assert re.search(r'<fieldset class="[^"]*\bcollapse\b', seo)
    for name in (
        "meta_title",
        "meta_description",
        "canonical_url",
        "social_title",
        "social_description",
        "social_image",
        "noindex",
    ):
        assert f'name="{name}"' in seo, name
    assert "Hide from search engines" in seo
    config = re.search(r'<div id="seo-preview-config"[^>]*>', html).group(0)
    assert 'data-origin="http://testserver"' in config
    assert 'data-path-prefix="/posts/"' in config
    assert 'data-summary="Low water at six."' in config
    assert 'data-title-shown="60"' in config and 'data-description-shown="155"' in config
    assert "editor/seo-preview.js" in html and "editor/seo-preview.css" in html


def test_the_add_form_has_them_too(client_for, author):
    html = client_for(author).get(reverse("admin:blog_post_add")).content.decode()
    assert 'name="meta_title"' in fieldset(html)
    assert 'data-summary=""' in html


def test_saving_the_form_writes_the_fields(client_for, author):
    post = PostFactory(author=author, draft=True)
    data = form(
        post,
        _action="draft",
        meta_title="Tide tables for May",
        meta_description="Every high and low water.",
        canonical_url="https://original.example/tides/",
        social_title="Low water",
        social_description="What the harbour master says.",
        noindex="on",
    )
    response = client_for(author).post(change_url(post), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get(pk=post.pk)
    assert post.meta_title == "Tide tables for May"
    assert post.canonical_url == "https://original.example/tides/"
    assert (post.social_title, post.noindex) == ("Low water", True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("original.example/tides", "Enter a full address starting with https:// or http://"),
        ("https://me:pw@original.example/", "may not hold a user name or password"),
    ],
)
def test_a_bad_canonical_url_is_refused_with_the_reason(client_for, author, url, message):
    post = PostFactory(author=author, draft=True)
    response = client_for(author).post(
        change_url(post), form(post, _action="draft", canonical_url=url)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors["canonical_url"][0]
    assert Post.objects.get(pk=post.pk).canonical_url == ""


@pytest.mark.django_db(transaction=True)  # revisions outside a request commit
def test_revisions_keep_compare_and_restore_the_fields(client_for, author):
    from editorial import revisions

    post = PostFactory(author=author, draft=True, title="Tides")
    client = client_for(author)
    first = form(post, _action="draft", meta_title="First title", noindex="on")
    assert client.post(change_url(post), first).status_code == 302
    post.refresh_from_db()
    second = form(post, _action="draft", meta_title="Second title")
    assert client.post(change_url(post), second).status_code == 302
    newer, older = list(revisions.post_versions(post))[:2]
    changes = {
        change.label: (change.before, change.after) for change in revisions.diff(older, newer)[0]
    }
    assert changes == {
        "Meta title": ("First title", "Second title"),
        "Hide from search engines": ("Yes", "No"),
    }
    assert revisions.change_summary(older.field_dict, newer.field_dict) == (
        "Meta title, hide from search engines"
    )
    revisions.revision_restore(post=Post.objects.get(pk=post.pk), version=older, user=author)
    restored = Post.objects.get(pk=post.pk)
    assert (restored.meta_title, restored.noindex) == ("First title", True)
