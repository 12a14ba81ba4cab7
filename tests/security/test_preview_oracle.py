"""Issue 26, finding 8: the editor's preview endpoint tells nobody whether a post id they
may not change exists: another's post and a missing one both answer 404."""

import pytest
from django.urls import reverse

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_preview_answers_404_for_another_writers_post_and_for_a_missing_one(
    client_for, contributor, author
):
    client = client_for(contributor)
    url = reverse("admin:post_preview")
    others = PostFactory(author=author, draft=True)
    own = PostFactory(author=contributor, draft=True)
    missing = others.pk + own.pk + 1000
    answers = [
        client.post(url, {"post": str(pk), "body": "*hi*"}).status_code
        for pk in (others.pk, missing)
    ]
    assert answers == [404, 404]
    assert client.post(url, {"post": str(own.pk), "body": "*hi*"}).status_code == 200
