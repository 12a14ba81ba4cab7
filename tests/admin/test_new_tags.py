"""Writers create tags while writing ("New tags" on the post form); editors still manage
them in the tag admin."""

import pytest
from django.urls import reverse

from blog.models import Post, Tag
from blog.services import post_publish
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_a_contributor_creates_tags_from_the_post_form(client_for, contributor):
    TagFactory(name="Harbours")
    client = client_for(contributor)
    page = client.get(reverse("admin:blog_post_add")).content.decode()
    assert 'name="new_tags"' in page and "New tags" in page

    response = client.post(
        reverse("admin:blog_post_add"),
        form(
            title="Kelp",
            new_tags="Kelp forests, harbours ,  sea   otters,Kelp Forests,",
            _action="draft",
        ),
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert sorted(tag.name for tag in post.tags.all()) == ["Harbours", "Kelp forests", "sea otters"]
    assert Tag.objects.get(name="sea otters").slug == "sea-otters"  # the one slug rule
    assert Tag.objects.count() == 3  # "harbours" is the existing tag, in any letter case
    # The field is empty again on the saved post: the tags are in the tags field now.
    again = client.get(change_url(post))
    assert again.context["adminform"].form["new_tags"].value() in (None, "")


def test_new_tags_join_the_tags_picked(client_for, author):
    picked = TagFactory(name="Tides")
    post = PostFactory(author=author, draft=True)
    client_for(author).post(
        change_url(post), form(post, tags=[picked.pk], new_tags="Moon", _action="draft")
    )
    assert sorted(tag.name for tag in post.tags.all()) == ["Moon", "Tides"]


def test_a_refused_form_creates_no_tag(client_for, contributor):
    response = client_for(contributor).post(
        reverse("admin:blog_post_add"), form(title="", new_tags="Orphan", _action="draft")
    )
    assert response.status_code == 200
    assert not Tag.objects.filter(name="Orphan").exists()
    assert response.context["adminform"].form["new_tags"].value() == "Orphan"  # kept


def test_a_tag_name_too_long_is_refused(client_for, contributor):
    response = client_for(contributor).post(
        reverse("admin:blog_post_add"), form(new_tags="x" * 61, _action="draft")
    )
    assert "tags have at most 60 characters" in response.content.decode()
    assert not Post.objects.exists()


def test_writers_still_do_not_manage_tags(client_for, contributor):
    client = client_for(contributor)
    tag = TagFactory(name="Fixed")
    url = reverse("admin:blog_tag_change", args=[tag.pk])
    assert client.post(url, {"name": "Renamed", "slug": "fixed"}).status_code == 403
    assert client.get(reverse("admin:blog_tag_add")).status_code == 403
    tag.refresh_from_db()
    assert tag.name == "Fixed"


def test_a_tag_named_on_a_draft_stays_unknown_to_readers_until_a_post_goes_public(
    client, client_for, contributor, editor
):
    """A new tag's name would tell what the drafts are about: readers and the API's
    anonymous clients see a tag only once a public post carries it; editors see all."""
    writer = client_for(contributor)
    writer.post(
        reverse("admin:blog_post_add"),
        form(title="Merger talks", new_tags="Secret merger", _action="draft"),
    )
    post = Post.objects.get()
    tag = Tag.objects.get(name="Secret merger")
    client.logout()
    listed = [t["slug"] for t in client.get("/api/tags/").json()["results"]]
    assert tag.slug not in listed
    assert client.get(f"/api/tags/{tag.slug}/").status_code == 404
    assert client.get(f"/tag/{tag.slug}/").status_code == 404
    assert client.get(f"/tag/{tag.slug}/feed/").status_code == 404
    editors = client_for(editor)
    assert tag.slug in [t["slug"] for t in editors.get("/api/tags/").json()["results"]]
    editors.logout()

    post_publish(post=post, user=editor)
    assert tag.slug in [t["slug"] for t in client.get("/api/tags/").json()["results"]]
    assert client.get(f"/tag/{tag.slug}/").status_code == 200
