"""Each role's admin shows only what it can act on, and the post form still files posts.

The admin home, the sidebar on every admin page and the per-app pages list the same
models (`AdminSite.get_app_list`). Writers *pick* categories and tags on a post (the
autocomplete needs only the view permission) but manage neither, so the menu leaves them
out; editors manage them, webhooks, exports, writers, integration keys and read the daily
reports.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from blog.models import Post
from tests.factories import CategoryFactory, PostFactory, TagFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITER_MENU = {"blog.Post", "images.Image"}
# Authors moderate the comments on their posts (and set their own comment mail).
MODERATOR_MENU = {"comments.Comment", "comments.ModerationAction", "comments.AuthorPreference"}
AUTHOR_MENU = {*WRITER_MENU, "pages.Page", *MODERATOR_MENU}  # Contributors write no pages
EDITOR_MENU = {
    *MODERATOR_MENU,
    "comments.BlockedTerm",
    "comments.CommentBan",
    "comments.CommentPolicy",
    # Members and newsletters (issue 31): issues and deliveries are seen, never changed.
    "members.Member",
    "newsletters.Newsletter",
    "newsletters.Issue",
    "newsletters.Delivery",
    "accounts.IntegrationKey",
    "accounts.User",
    "blog.Category",
    "blog.Post",
    "blog.Report",
    "blog.Tag",
    "embeds.Embed",
    "images.Image",
    "pages.Page",
    "sitesettings.SiteSettings",
    "transfer.ExportJob",
    "webhooks.Delivery",
    "webhooks.Endpoint",
}


def menu(response) -> set[str]:
    return {
        f"{app['app_label']}.{model['object_name']}"
        for app in response.context[
            "app_list" if "app_list" in response.context else "available_apps"
        ]
        for model in app["models"]
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [("contributor", WRITER_MENU), ("author", AUTHOR_MENU), ("editor", EDITOR_MENU)],
)
def test_the_admin_home_lists_exactly_what_the_role_can_use(request, client_for, role, expected):
    client = client_for(request.getfixturevalue(role))
    home = client.get(reverse("admin:index"))
    assert menu(home) == expected
    # The sidebar of any admin page lists the same.
    sidebar = client.get(reverse("admin:blog_post_changelist")).context["available_apps"]
    assert {
        f"{a['app_label']}.{m['object_name']}" for a in sidebar for m in a["models"]
    } == expected


def test_a_writer_sees_no_link_to_categories_or_tags(client_for, contributor):
    client = client_for(contributor)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:blog_category_changelist") not in html
    assert reverse("admin:blog_tag_changelist") not in html
    blog_page = client.get(reverse("admin:app_list", args=["blog"]))
    assert menu(blog_page) == {"blog.Post"}
    # Apps with nothing for them are not pages they can open.
    assert client.get(reverse("admin:app_list", args=["webhooks"])).status_code == 404


def test_a_contributor_still_files_posts_under_categories_and_tags(client_for, contributor):
    CategoryFactory(name="Harbour")
    TagFactory(name="harbour-lights")
    client = client_for(contributor)
    form = client.get(reverse("admin:blog_post_add")).content.decode()
    assert 'name="category"' in form and 'name="tags"' in form
    assert "data-ajax--url" in form  # the autocomplete widgets

    def pick(field: str) -> list[str]:
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "blog", "model_name": "post", "field_name": field, "term": "harb"},
        )
        assert response.status_code == 200
        return [result["text"] for result in response.json()["results"]]

    assert pick("category") == ["Harbour"]
    assert pick("tags") == ["harbour-lights"]

    category, tag = CategoryFactory(name="Docks"), TagFactory(name="cranes")
    response = client.post(
        reverse("admin:blog_post_add"),
        {
            "title": "Crane season",
            "body": "Tall.",
            "excerpt": "",
            "slug": "",
            "category": category.pk,
            "tags": [tag.pk],
            "version": "",
            "_action": "draft",
        },
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.category == category and list(post.tags.all()) == [tag]


def test_a_writer_cannot_change_categories_by_address(client_for, author):
    category = CategoryFactory(name="Harbour")
    client = client_for(author)
    change = reverse("admin:blog_category_change", args=[category.pk])
    response = client.post(change, {"name": "Renamed", "slug": "renamed"})
    assert response.status_code == 403
    category.refresh_from_db()
    assert category.name == "Harbour"
    assert client.get(reverse("admin:blog_category_add")).status_code == 403


def test_staff_without_a_role_sees_nothing_to_edit(client_for):
    clerk = UserFactory(username="clerk", is_staff=True)
    assert menu(client_for(clerk).get(reverse("admin:index"))) == set()


def test_editors_manage_webhooks_in_the_admin(client_for, editor, author):
    client = client_for(editor)
    add = reverse("admin:webhooks_endpoint_add")
    page = client.get(add).content.decode()
    assert 'type="checkbox" name="events" value="post.published"' in page

    management = {"deliveries-TOTAL_FORMS": "0", "deliveries-INITIAL_FORMS": "0"}
    with override_settings(WEBHOOKS_ALLOW_PRIVATE=False):  # the SSRF guard, as the API's
        refused = client.post(add, {"url": "http://127.0.0.1:6379/", **management})
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors["url"]
    assert errors == ["127.0.0.1 resolves to a non-public address (127.0.0.1)."]
    response = client.post(
        add,
        {
            "url": "https://example.com/hooks",
            "description": "",
            "events": ["post.published"],
            "is_active": "on",
            **management,
        },
    )
    assert response.status_code == 302
    from webhooks.models import Endpoint

    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["post.published"] and endpoint.created_by == editor

    # Writers do not see webhooks at all, by menu or by address.
    writer = client_for(author)
    assert writer.get(reverse("admin:webhooks_endpoint_changelist")).status_code == 403
    assert writer.get(reverse("admin:webhooks_delivery_changelist")).status_code == 403


def test_the_post_list_is_unchanged_for_writers(client_for, contributor):
    PostFactory(author=contributor, draft=True, title="Mine")
    response = client_for(contributor).get(reverse("admin:blog_post_changelist"))
    assert response.status_code == 200 and "Mine" in response.content.decode()
