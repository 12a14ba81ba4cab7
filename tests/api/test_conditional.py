"""Conditional requests: validators, 304 on reads (API, pages, feeds), 412 on stale writes."""

from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from blog.models import Post
from blog.services import post_update
from tests.factories import AuthorFactory, PostFactory

pytestmark = pytest.mark.django_db


def _save(post, capture, **changes):
    """Write as the site does: the page cache is retired when the transaction commits."""
    with capture(execute=True):
        post_update(post=post, data=changes, user=None)


def test_post_detail_carries_its_version_and_answers_304(api, django_capture_on_commit_callbacks):
    post = PostFactory()
    first = api.get(f"/api/posts/{post.pk}/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag.strip('"').isdigit() and modified
    again = api.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    since = api.get(f"/api/posts/{post.pk}/", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    _save(post, django_capture_on_commit_callbacks, title="Changed")
    changed = api.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["title"] == "Changed"
    assert changed["ETag"] != etag


REAL_WORDPRESS = Path(__file__).parents[1] / "transfer" / "fixtures" / "real" / "valid-wxr-1.1.xml"


def test_a_post_imported_again_with_new_text_and_its_old_date_is_never_a_304(
    api, tmp_path, time_machine, django_capture_on_commit_callbacks
):
    """An import keeps the source's dates: importing a newer export of the same post,
    whose text changed but whose date did not (WordPress's own sample file), must still
    give a client holding the old copy the new one. The version followed `updated_at`,
    the source's date, so both validators still matched: 304, the old text kept."""

    def import_file(path: Path) -> Post:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("import_wordpress", path, stdout=StringIO())
        return Post.objects.get(title="Hello world!")

    post = import_file(REAL_WORDPRESS)
    first = api.get(f"/api/posts/{post.pk}/")
    assert first.json()["body"].startswith("Welcome to WordPress.")
    edited = tmp_path / "edited.xml"
    edited.write_text(
        REAL_WORDPRESS.read_text().replace("Welcome to WordPress.", "Welcome back to WordPress.")
    )
    # Later, as a second import is (Last-Modified counts whole seconds).
    time_machine.move_to(timezone.now() + timedelta(seconds=2), tick=True)
    again = import_file(edited)
    assert again.updated_at == post.updated_at  # the source's date, kept
    for validator in (
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
    ):
        response = api.get(f"/api/posts/{post.pk}/", **validator)
        assert response.status_code == 200, validator
        assert response.json()["body"].startswith("Welcome back to WordPress.")


@pytest.mark.parametrize("boundary", ["published_at", "expires_at"])
def test_a_go_live_or_an_expiry_is_never_a_304_for_the_copy_from_before(
    api_as, editor, time_machine, boundary
):
    """The clock changes a post's `state` with no write (scheduled → published at its
    go-live, published → expired at its expiry): an editor's client holding the copy from
    before must get the new one, by its ETag and by its date. Both followed the last
    write only: 304, and the client kept "scheduled" for a post long public."""
    now = timezone.now()
    post = PostFactory(
        published_at=now + timedelta(minutes=5) if boundary == "published_at" else now,
        expires_at=now + timedelta(minutes=5) if boundary == "expires_at" else None,
    )
    client = api_as(editor)
    before = client.get(f"/api/posts/{post.pk}/")
    was = before.json()["state"]
    assert was == ("scheduled" if boundary == "published_at" else "published")
    # Still before the boundary: the copy is current, and a write naming it goes through.
    assert (
        client.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    )
    written = client.patch(
        f"/api/posts/{post.pk}/", {"title": "Sharper"}, HTTP_IF_MATCH=before["ETag"]
    )
    assert written.status_code == 200
    time_machine.move_to(now + timedelta(minutes=6), tick=True)
    for validator in (
        {"HTTP_IF_NONE_MATCH": written["ETag"]},
        {"HTTP_IF_MODIFIED_SINCE": written["Last-Modified"]},
    ):
        after = client.get(f"/api/posts/{post.pk}/", **validator)
        assert after.status_code == 200, validator
        assert after.json()["state"] == ("published" if was == "scheduled" else "expired")
    # A write naming the copy from before the boundary is refused: read it again first.
    stale = client.patch(f"/api/posts/{post.pk}/", {"title": "Late"}, HTTP_IF_MATCH=written["ETag"])
    assert stale.status_code == 412
    fresh = client.get(f"/api/posts/{post.pk}/")["ETag"]
    assert (
        client.patch(f"/api/posts/{post.pk}/", {"title": "Late"}, HTTP_IF_MATCH=fresh).status_code
        == 200
    )


def test_a_version_from_before_1970_still_matches_if_match(api_as, editor):
    # An archive imported before the version followed `recorded_at` keeps its source's
    # time there: before 1970 the version is negative, "-1428…", and still a version.
    post = PostFactory()
    Post.all_kinds.filter(pk=post.pk).update(recorded_at=datetime(1969, 7, 20, tzinfo=UTC))
    client = api_as(editor)
    etag = client.get(f"/api/posts/{post.pk}/")["ETag"]
    assert etag.startswith('"-')
    response = client.patch(f"/api/posts/{post.pk}/", {"title": "Y"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200


def test_a_deleted_co_author_leaves_the_byline_and_the_copy_is_not_current(
    api_as, editor, django_capture_on_commit_callbacks
):
    lead, co = AuthorFactory(username="lead"), AuthorFactory(username="co")
    post = post_update(post=PostFactory(author=lead), data={"authors": [lead, co]}, user=editor)
    client = api_as(editor)
    first = client.get(f"/api/posts/{post.pk}/")
    assert [author["username"] for author in first.json()["authors"]] == ["lead", "co"]
    with django_capture_on_commit_callbacks(execute=True):
        co.delete()
    after = client.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200  # a 304 kept "co" in the byline
    assert [author["username"] for author in after.json()["authors"]] == ["lead"]


def test_by_slug_has_the_same_validators(api):
    post = PostFactory()
    etag = api.get(f"/api/posts/{post.pk}/")["ETag"]
    assert api.get(f"/api/posts/by-slug/{post.slug}/")["ETag"] == etag
    assert api.get(f"/api/posts/by-slug/{post.slug}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_token_reads_answer_304_too(api_as, author):
    post = PostFactory(author=author, draft=True)
    client = api_as(author)
    etag = client.get(f"/api/posts/{post.pk}/")["ETag"]
    assert client.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("url", ["/api/posts/", "/api/posts/published/", "/api/tags/"])
def test_lists_answer_304_until_something_changes(api, url, django_capture_on_commit_callbacks):
    post = PostFactory()
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    if url.startswith("/api/posts/"):
        assert first["Last-Modified"] == http_date(post.recorded_at.timestamp())
        _save(post, django_capture_on_commit_callbacks, title="Renamed")
        assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_stale_if_match_is_a_412_and_changes_nothing(api_as, editor):
    post = PostFactory(title="Original")
    client = api_as(editor)
    stale = client.get(f"/api/posts/{post.pk}/")["ETag"]
    fresh = client.patch(f"/api/posts/{post.pk}/", {"title": "First"}, HTTP_IF_MATCH=stale)
    assert fresh.status_code == 200 and fresh["ETag"] != stale
    response = client.patch(f"/api/posts/{post.pk}/", {"title": "Second"}, HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "precondition_failed"
    post.refresh_from_db()
    assert post.title == "First"
    put = {"title": "Third", "body": "b"}
    assert client.put(f"/api/posts/{post.pk}/", put, HTTP_IF_MATCH=stale).status_code == 412
    assert client.delete(f"/api/posts/{post.pk}/", HTTP_IF_MATCH=stale).status_code == 412
    assert client.delete(f"/api/posts/{post.pk}/", HTTP_IF_MATCH=fresh["ETag"]).status_code == 204
    assert not Post.objects.filter(pk=post.pk).exists()


def test_if_unmodified_since_before_the_last_change_is_a_412(api_as, editor):
    post = PostFactory()
    client = api_as(editor)
    earlier = http_date(post.recorded_at.timestamp() - 60)
    response = client.patch(
        f"/api/posts/{post.pk}/", {"title": "X"}, HTTP_IF_UNMODIFIED_SINCE=earlier
    )
    assert response.status_code == 412
    later = http_date(post.recorded_at.timestamp() + 60)
    response = client.patch(
        f"/api/posts/{post.pk}/", {"title": "X"}, HTTP_IF_UNMODIFIED_SINCE=later
    )
    assert response.status_code == 200


def test_writes_without_preconditions_still_work(api_as, editor):
    post = PostFactory()
    response = api_as(editor).patch(f"/api/posts/{post.pk}/", {"excerpt": "New excerpt"})
    assert response.status_code == 200 and response.json()["excerpt"] == "New excerpt"


def test_a_patch_writes_only_the_fields_it_names(api_as, editor):
    post = PostFactory(title="Title", excerpt="Excerpt", body="Body")
    client = api_as(editor)
    response = client.patch(f"/api/posts/{post.pk}/", {"body": "*New* body"})
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.patch(f"/api/posts/{post.pk}/", {"title": "New title"})
    sql = [q["sql"] for q in ctx.captured_queries]
    [update] = [q for q in sql if q.startswith('UPDATE "blog_post" SET') and "search" not in q]
    assert (
        '"title"' in update
        and '"body"' not in update
        and '"excerpt"' not in update
        and '"updated_at"' in update
    )
    post.refresh_from_db()
    assert (post.title, post.body_html) == ("New title", "<p><em>New</em> body</p>")


@pytest.mark.parametrize(
    "url", ["/", "/feed/", "/feed/atom/", "/sitemap.xml", "/posts/conditional-page/"]
)
def test_pages_and_feeds_answer_304(client, url):
    PostFactory(title="Conditional page", slug="conditional-page")
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304 and second.content == b""


def test_the_weak_form_of_the_etag_matches_if_match(api_as, editor):
    """nginx's gzip turns `"v"` into `W/"v"`, and clients send back what they got (issue 25)."""
    post = PostFactory(title="Original")
    client = api_as(editor)
    weak = "W/" + client.get(f"/api/posts/{post.pk}/")["ETag"]
    response = client.patch(f"/api/posts/{post.pk}/", {"title": "First"}, HTTP_IF_MATCH=weak)
    assert response.status_code == 200, response.content
    assert client.get(f"/api/posts/{post.pk}/", HTTP_IF_MATCH=weak).status_code == 412
    fresh = "W/" + response["ETag"]
    assert client.get(f"/api/posts/{post.pk}/", HTTP_IF_NONE_MATCH=fresh).status_code == 304
    again = client.patch(f"/api/posts/{post.pk}/", {"title": "Second"}, HTTP_IF_MATCH=weak)
    assert again.status_code == 412
    listed = f'"1", {fresh}'
    assert client.delete(f"/api/posts/{post.pk}/", HTTP_IF_MATCH=listed).status_code == 204


@pytest.mark.parametrize("url", ["/api/posts/{pk}/", "/api/posts/by-slug/{slug}/", "/api/posts/"])
def test_a_get_with_a_stale_if_match_is_a_412_problem(api_as, editor, url):
    post = PostFactory()
    client = api_as(editor)
    url = url.format(pk=post.pk, slug=post.slug)
    current = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_MATCH=current).status_code == 200
    response = client.get(url, HTTP_IF_MATCH='"0"')
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "precondition_failed"


def test_a_created_post_has_its_api_location_and_etag(api_as, editor, settings):
    settings.SITE_URL = "https://news.example.com"
    client = api_as(editor)
    response = client.post("/api/posts/", {"title": "Draft one", "body": "b"})
    assert response.status_code == 201, response.content
    post = Post.objects.get(title="Draft one")
    assert response["Location"] == f"https://news.example.com/api/posts/{post.pk}/"
    assert response["ETag"] == f'"{post.version}"'
    assert response["Last-Modified"]
    got = client.get(f"/api/posts/{post.pk}/")
    assert got.json() == response.json() and got["ETag"] == response["ETag"]
    assert (
        client.patch(
            f"/api/posts/{post.pk}/", {"title": "Renamed"}, HTTP_IF_MATCH=response["ETag"]
        ).status_code
        == 200
    )
