"""`--keep-permalinks`: old WordPress URLs answer 301 to the imported post's URL.

They are rows of the one table of moved addresses (`blog.redirects`), answered by the same
middleware as renamed slugs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Post
from blog.redirects import Redirect
from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(run_import):
    run_import("import_wordpress", "wordpress.xml", "--keep-permalinks")


@pytest.mark.parametrize(
    ("old", "slug"),
    [
        ("/2023/04/05/hello-world/", "hello-world"),
        ("/2023/04/05/hello-world", "hello-world"),
        ("/?p=10", "hello-world"),
        ("/?p=13", "hello-world-2"),
        ("/2023/05/01/caf%C3%A9-au-lait/", "cafe-au-lait"),
    ],
)
def test_old_urls_answer_301_to_the_new_post(client, imported, old, slug):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == f"/posts/{slug}/"
    assert client.get(response["Location"]).status_code == 200


def test_redirect_follows_a_later_slug_change(client, imported):
    post = Post.objects.get(slug="hello-world")
    post.slug = "hello-renamed"
    post.save()
    assert client.get("/?p=10")["Location"] == "/posts/hello-renamed/"


def test_no_redirect_to_hidden_posts_or_over_real_pages(client, imported):
    # Scheduled and draft posts: a redirect would reveal their slug before they go live.
    assert client.get("/?p=14").status_code == 200  # the home page, not a redirect
    assert client.get("/2099/01/01/coming-soon/").status_code == 404
    assert client.get("/?p=15").status_code == 200
    assert client.get("/?p=999").status_code == 200
    assert client.get("/1999/01/01/nothing/").status_code == 404


def test_a_draft_renamed_before_it_goes_live_is_still_found(client, imported):
    """A rename readers never saw keeps no slug redirect, yet the old permalink follows."""
    post = Post.objects.get(slug="coming-soon")  # scheduled for 2099
    post.slug = "launch-day"
    post.save()
    assert client.get("/2099/01/01/coming-soon/").status_code == 404  # still hidden
    post.published_at = timezone.now() - timedelta(minutes=1)
    post.save()
    assert client.get("/2099/01/01/coming-soon/")["Location"] == "/posts/launch-day/"


def test_an_editor_follows_an_old_link_to_a_draft(client, imported):
    """As with renamed slugs: someone who may see the post is sent to it."""
    client.force_login(EditorFactory(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/?p=15")["Location"].startswith("/posts/")


def test_old_links_and_renamed_slugs_share_one_table(client, imported):
    post = Post.objects.get(slug="hello-world")
    post.slug = "hello-again"
    post.save()
    kept = dict(Redirect.objects.values_list("old_path", "new_path"))
    assert kept["/posts/hello-world/"] == "/posts/hello-again/"  # a renamed slug: a path
    assert kept["/?p=10"] == ""  # an old permalink: leads to the post itself
    assert client.get("/posts/hello-world/")["Location"] == "/posts/hello-again/"
    assert client.get("/?p=10")["Location"] == "/posts/hello-again/"


def test_a_deleted_post_takes_its_old_links_with_it(client, imported):
    Post.objects.get(slug="hello-world").delete()
    assert client.get("/2023/04/05/hello-world/").status_code == 404
    assert client.get("/?p=10").status_code == 200  # the home page


def test_without_the_option_nothing_is_kept(client, run_import):
    run_import("import_wordpress", "wordpress.xml")
    assert not Redirect.objects.exists()
    assert client.get("/2023/04/05/hello-world/").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/2023/04/05/hello%00world/", "/%00/", "/?p=%C2%B2", "/?p=1%00", "/" + "a/" * 400],
)
def test_odd_paths_are_plain_answers_not_errors(client, imported, path):
    assert client.get(path).status_code in (200, 404)
