"""Finding 3: the admin's "View on site" shortcut lists no post the user may not see.

`/admin/r/<content type>/<id>/` used to redirect any staff user to the slug of any post id,
so a Contributor walking ids read every draft and scheduled title.
"""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from blog.models import Post
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def _shortcut(post_id) -> str:
    return f"/admin/r/{ContentType.objects.get_for_model(Post).pk}/{post_id}/"


@pytest.fixture
def posts(contributor, author):
    return {
        "own draft": PostFactory(author=contributor, draft=True),
        "other's draft": PostFactory(author=author, draft=True),
        "other's scheduled": PostFactory(
            author=author, published_at=timezone.now() + timedelta(days=1)
        ),
        "other's public": PostFactory(author=author),
    }


def test_a_contributor_walking_ids_learns_no_hidden_slug(client_for, contributor, posts):
    client = client_for(contributor)
    hidden = {posts["other's draft"].slug, posts["other's scheduled"].slug}
    # Around this test's posts: ids below them belong to rolled-back tests of the run.
    first, last = min(p.pk for p in posts.values()), max(p.pk for p in posts.values())
    for post_id in range(max(1, first - 2), last + 3):
        response = client.get(_shortcut(post_id))
        assert response.status_code in (302, 404), post_id
        location = response.get("Location", "")
        assert not any(slug in location for slug in hidden), f"id {post_id} -> {location}"
    own = client.get(_shortcut(posts["own draft"].pk))
    assert own.status_code == 302
    assert own["Location"].endswith(posts["own draft"].get_absolute_url())


def test_editors_still_jump_to_any_post(client_for, editor, posts):
    response = client_for(editor).get(_shortcut(posts["other's draft"].pk))
    assert response.status_code == 302
    assert response["Location"].endswith(posts["other's draft"].get_absolute_url())


def test_bad_ids_and_unknown_types_are_404(client_for, editor):
    client = client_for(editor)
    assert client.get(_shortcut("not-a-number")).status_code == 404
    assert client.get("/admin/r/999999/1/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, posts):
    response = client.get(_shortcut(posts["other's draft"].pk))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
