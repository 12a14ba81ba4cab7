"""The API's `excerpt` is what readers see (written, or derived from the current body);
`written_excerpt` is what the writer wrote. Sending back a derived excerpt keeps it derived."""

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

FIRST = "The lighthouse keeper kept a log."
SECOND = "The keeper moved to the mainland in 1962."


def test_the_api_reads_the_effective_excerpt_and_the_written_one(api_as, editor):
    post = PostFactory(body=FIRST, excerpt="")
    client = api_as(editor)
    data = client.get(f"/api/posts/{post.pk}/").json()
    assert (data["excerpt"], data["written_excerpt"]) == (FIRST, "")

    # A client sending back what it read (a read-modify-write of the title) does not
    # freeze the derived excerpt: it stays derived and follows the next body.
    sent = {"title": "Renamed", "excerpt": data["excerpt"]}
    response = client.patch(f"/api/posts/{post.pk}/", sent, format="json")
    assert response.status_code == 200 and response.json()["written_excerpt"] == ""
    response = client.patch(f"/api/posts/{post.pk}/", {"body": SECOND}, format="json")
    assert response.json()["excerpt"] == SECOND

    response = client.patch(f"/api/posts/{post.pk}/", {"excerpt": "Written."}, format="json")
    assert (response.json()["excerpt"], response.json()["written_excerpt"]) == (
        "Written.",
        "Written.",
    )
    listed = client.get("/api/posts/", {"fields": "id,excerpt"}).json()["results"]
    assert {"id": post.pk, "excerpt": "Written."} in listed


def test_the_api_refuses_to_write_the_read_only_written_excerpt(api_as, editor):
    post = PostFactory(excerpt="")
    response = api_as(editor).patch(
        f"/api/posts/{post.pk}/", {"written_excerpt": "x"}, format="json"
    )
    assert response.status_code == 400
