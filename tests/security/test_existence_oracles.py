"""Finding 5: nothing tells a user that a post they may not see exists.

- A slug that another author's hidden post holds gets the same answer in the admin as any
  other taken slug: the post is saved under a free address with one generic message
  (before: a refused save, "Post with this Slug already exists").
- Category and tag counts in the admin count only the posts the user may see.
- `/author/<username>/` exists only for people with public posts, like `/api/authors/`.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from blog.models import Post
from tests.blog.test_admin_roles import form_data
from tests.factories import CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("holder", ["hidden draft", "public post"])
def test_a_taken_slug_gets_one_answer_whoever_holds_it(client_for, contributor, author, holder):
    taken = PostFactory(author=author, draft=holder == "hidden draft", slug="secret-plan")
    response = client_for(contributor).post(
        reverse("admin:blog_post_add"), form_data(title="Secret plan", slug="secret-plan"),
        follow=True,
    )  # fmt: skip
    page = response.content.decode()
    assert "already exists" not in page
    assert "The address “secret-plan” is not available" in page
    mine = Post.objects.exclude(pk=taken.pk).get(title="Secret plan")
    assert mine.author == contributor and mine.slug != "secret-plan"


def test_admin_counts_only_what_the_role_may_see(client_for, contributor, author, editor):
    category, tag = CategoryFactory(name="Harbour"), TagFactory(name="harbour")
    for post in [
        PostFactory(author=author, category=category),  # public
        PostFactory(author=author, category=category, draft=True),  # someone else's draft
        PostFactory(author=contributor, category=category, draft=True),  # own draft
    ]:
        post.tags.add(tag)

    def counts(user):
        client = client_for(user)
        return [
            client.get(reverse(f"admin:blog_{m}_changelist")).context["cl"].result_list[0].post_count
            for m in ("category", "tag")
        ]  # fmt: skip

    assert counts(contributor) == [2, 2]
    assert counts(editor) == [3, 3]


def test_author_pages_exist_only_for_people_with_public_posts(client, api, contributor, author):
    PostFactory(author=contributor, draft=True)
    PostFactory(author=author)
    get_user_model().objects.create_superuser("root", "root@example.com", "x-Pass-1234")
    for username, status in [("author", 200), ("contributor", 404), ("root", 404)]:
        assert client.get(f"/author/{username}/").status_code == status, username
        assert api.get(f"/api/authors/{username}/").status_code == status, username


def test_an_old_address_of_a_hidden_post_answers_as_one_that_never_was(
    client_for, contributor, author
):
    """Imported permalinks (`/?p=ID`, old paths) lead only to posts the visitor may see:
    anyone else gets what an unknown address gets, and never the post's slug."""
    from django.test import Client

    from blog import redirects

    hidden = PostFactory(author=author, draft=True, slug="embargoed-merger")
    redirects.keep_post_addresses([("/?p=7", hidden.pk), ("/2024/01/02/merger/", hidden.pk)])
    for visitor in (Client(), client_for(contributor)):  # anonymous, another writer
        for known, unknown in [("/?p=7", "/?p=8"), ("/2024/01/02/merger/", "/2024/01/02/x/")]:
            answers = [visitor.get(known), visitor.get(unknown)]
            assert [a.status_code for a in answers] in ([200, 200], [404, 404]), known
            assert not any(a.has_header("Location") for a in answers)
            assert "embargoed" not in answers[0].content.decode()
    assert client_for(author).get("/?p=7")["Location"] == "/posts/embargoed-merger/"
