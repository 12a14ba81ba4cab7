"""Keeping a copy in sync: updated-since filters, cursor crawls, tombstones."""

import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.http import http_date

from api.pagination import SETTLE_SECONDS
from blog.models import Post, Tag
from blog.services import post_delete, post_update
from blog.sweep import publish_sweep
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory
from webhooks.models import Delivery, Endpoint

from .test_lost_updates import _session

REAL_EXPORTS = Path(__file__).parents[1] / "transfer" / "fixtures" / "real"


@pytest.mark.django_db
def test_updated_after_lists_in_sync_order(api):
    old, middle, new = PostFactory(), PostFactory(), PostFactory()
    now = timezone.now()
    Post.objects.update(published_at=now - timedelta(days=1))
    for post, hours in ((old, 3), (middle, 2), (new, 1)):
        at = now - timedelta(hours=hours)
        Post.objects.filter(pk=post.pk).update(updated_at=at, recorded_at=at)
    since = (now - timedelta(hours=2, minutes=30)).isoformat()
    response = api.get("/api/posts/", {"updated_after": since})
    assert [row["id"] for row in response.json()["results"]] == [middle.pk, new.pk]
    before = (now - timedelta(hours=1, minutes=30)).isoformat()
    response = api.get("/api/posts/", {"updated_before": before})
    assert [row["id"] for row in response.json()["results"]] == [old.pk, middle.pk]


@pytest.mark.django_db
def test_a_malformed_cursor_is_a_400_an_unknown_one_a_404(api):
    assert api.get("/api/posts/?cursor=no+such!").status_code == 400  # outside its alphabet
    assert api.get("/api/posts/?cursor=nonsense").status_code == 404  # DRF's CursorPagination
    # Cursor pages always come in sync order: `ordering` and `page` are refused, not ignored.
    response = api.get("/api/posts/?cursor=&ordering=title&page=2")
    assert response.status_code == 400, response.content
    assert {e["field"] for e in response.json()["errors"]} == {"ordering", "page"}
    assert api.get("/api/posts/?cursor=&page_size=5").json()["count"] is None


@pytest.mark.django_db(transaction=True)
def test_a_cursor_crawl_never_skips_or_repeats_while_others_publish(live_server):
    EditorFactory(username="publisher")
    existing = {PostFactory(title=f"Old {i}").pk for i in range(40)}
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Post.objects.update(updated_at=an_hour_ago, recorded_at=an_hour_ago)
    publisher = _session(live_server.url, "publisher")
    crawling = threading.Event()
    published: list[int] = []

    def publish() -> None:
        crawling.wait(10)
        for i in range(15):
            response = publisher.post(
                f"{live_server.url}/api/posts/",
                json={"title": f"New {i}", "body": "b", "status": "published"},
                timeout=30,
            )
            assert response.status_code == 201, response.text
            published.append(response.json()["id"])

    thread = threading.Thread(target=publish)
    thread.start()
    seen: list[int] = []
    url = f"{live_server.url}/api/posts/?cursor=&page_size=4&fields=id"
    while url:
        page = requests.get(url, timeout=30).json()
        seen += [row["id"] for row in page["results"]]
        crawling.set()
        # `next` starts with the configured site origin; this site is the live server.
        url = page["next"] and live_server.url + page["next"].removeprefix(settings.SITE_URL)
    thread.join(60)
    assert len(published) == 15
    assert len(seen) == len(set(seen)), "a post came twice"
    assert existing <= set(seen), "a post was skipped"
    assert set(seen) <= existing | set(published)
    # The page-number pages the crawl replaces would have shifted under the publisher.
    resumed = requests.get(f"{live_server.url}/api/posts/?cursor={page['cursor']}", timeout=30)
    assert not set(row["id"] for row in resumed.json()["results"]) & set(seen)


def _later(time_machine, seconds: float = SETTLE_SECONDS + 1) -> None:
    """Past the settling time syncing pages hold fresh changes back for."""
    time_machine.move_to(timezone.now() + timedelta(seconds=seconds), tick=True)


@pytest.mark.django_db
def test_tombstones_for_deleted_and_unpublished_posts_only(api, time_machine):
    gone, hidden, draft, kept = PostFactory(), PostFactory(), PostFactory(draft=True), PostFactory()
    start, gone_id = timezone.now(), gone.pk
    post_delete(post=gone)
    post_delete(post=draft)
    post_update(post=hidden, data={"status": Post.Status.DRAFT}, user=None)
    _later(time_machine)
    body = api.get("/api/posts/tombstones/").json()
    assert [(row["id"], row["reason"]) for row in body["results"]] == [
        (gone_id, "deleted"),
        (hidden.pk, "unpublished"),
    ]
    assert body["next"] is None
    later = api.get("/api/posts/tombstones/", {"since": timezone.now().isoformat()}).json()
    assert later["results"] == []
    first = api.get("/api/posts/tombstones/", {"since": start.isoformat(), "limit": 1}).json()
    assert [row["id"] for row in first["results"]] == [gone_id] and "cursor=" in first["next"]
    second = api.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [hidden.pk]
    assert kept.pk not in {row["id"] for row in body["results"]}


def _tombstones(api) -> dict[int, tuple[str, str]]:
    rows = api.get("/api/posts/tombstones/", {"limit": 1000}).json()["results"]
    return {row["id"]: (row["reason"], row["slug"]) for row in rows}


@pytest.mark.django_db
def test_every_way_out_of_public_view_leaves_a_tombstone(api, time_machine):
    """Rescheduled into the future, unpublished with its date cleared (the admin's bulk
    action, or the API's {"status": "draft", "published_at": null}), unpublished and then
    deleted: each one is listed, with the slug readers saw (issue 25, finding 3)."""
    moved, cleared, gone = PostFactory(), PostFactory(), PostFactory()
    later = timezone.now() + timedelta(hours=1)
    post_update(post=moved, data={"published_at": later}, user=None)
    cleared_data = {"status": Post.Status.DRAFT, "published_at": None}
    post_update(post=cleared, data=cleared_data, user=None, only_given=True)  # the API's PATCH
    post_update(post=gone, data={"status": Post.Status.DRAFT}, user=None)
    gone_id, seen_slug = gone.pk, gone.slug
    post_update(post=gone, data={"slug": "renamed-while-hidden"}, user=None)
    post_delete(post=gone)
    _later(time_machine)
    assert _tombstones(api) == {
        moved.pk: ("unpublished", moved.slug),
        cleared.pk: ("unpublished", cleared.slug),
        gone_id: ("deleted", seen_slug),
    }


@pytest.mark.django_db
def test_no_tombstone_for_a_post_that_was_never_public(api, time_machine):
    """Drafts and posts in review with a past date, and a scheduled post moved back to
    draft once its old date passed, never appear (issue 26, finding 4)."""
    past = timezone.now() - timedelta(days=1)
    PostFactory(title="Embargoed draft", status=Post.Status.DRAFT, published_at=past)
    PostFactory(title="Embargoed review", status=Post.Status.REVIEW, published_at=past)
    scheduled = PostFactory(title="Embargoed scheduled", scheduled=True)
    time_machine.move_to(timezone.now() + timedelta(days=2), tick=True)
    scheduled.refresh_from_db()
    assert scheduled.is_public  # public by the clock, never read by anyone: still counts
    Post.objects.filter(pk=scheduled.pk).update(status=Post.Status.DRAFT)  # as before
    never = PostFactory(title="Never deleted", draft=True)
    post_delete(post=never)
    _later(time_machine)
    assert _tombstones(api) == {}


@pytest.mark.django_db
def test_a_post_published_with_its_expiry_already_past_was_never_public(api, time_machine):
    """No tombstone (its slug was never shown) and no go-live webhook: the sweep neither
    announces nor retires it."""
    now = timezone.now()
    never = PostFactory(
        title="Published already expired",
        published_at=now - timedelta(days=2),
        expires_at=now - timedelta(days=1),
    )
    shown = PostFactory(title="Shown, then expired", expires_at=now + timedelta(minutes=1))
    _later(time_machine, 120)
    assert never.pk not in _tombstones(api) and shown.pk in _tombstones(api)
    endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/hook")
    publish_sweep()
    announced = {
        payload["data"]["post"]["id"]
        for payload in Delivery.objects.filter(endpoint=endpoint).values_list("payload", flat=True)
    }
    assert never.pk not in announced
    never.refresh_from_db()
    assert never.first_public_at is None


@pytest.mark.django_db
def test_a_post_public_again_is_not_a_tombstone(api, time_machine):
    post = PostFactory()
    post_update(post=post, data={"published_at": timezone.now() + timedelta(seconds=30)}, user=None)
    _later(time_machine)
    assert post.pk in _tombstones(api)
    _later(time_machine, 60)
    assert _tombstones(api) == {}  # live again: its marker brings it back instead


@pytest.mark.django_db
def test_a_scheduled_post_going_live_appears_to_cursor_and_updated_after(api, time_machine):
    """Going live by the clock moves the sync marker: a crawl finished before the go-live
    meets the post when it goes public (issue 25, finding 3)."""
    PostFactory(title="Already public")
    _later(time_machine)
    done = api.get("/api/posts/", {"cursor": ""}).json()
    since = done["results"][-1]["changed_at"]
    scheduled = PostFactory(title="Later", published_at=timezone.now() + timedelta(minutes=5))
    _later(time_machine)
    assert api.get("/api/posts/", {"cursor": done["cursor"]}).json()["results"] == []
    _later(time_machine, 5 * 60 + SETTLE_SECONDS)
    resumed = api.get("/api/posts/", {"cursor": done["cursor"]}).json()["results"]
    assert [row["id"] for row in resumed] == [scheduled.pk]
    assert resumed[0]["changed_at"] == api.get(f"/api/posts/{scheduled.pk}/").json()["changed_at"]
    listed = api.get("/api/posts/", {"updated_after": since}).json()["results"]
    assert scheduled.pk in [row["id"] for row in listed]


@pytest.mark.django_db
def test_renaming_a_tag_or_editing_a_category_moves_its_posts_marker_and_etag(
    api, django_capture_on_commit_callbacks
):
    tagged = PostFactory(tags=[TagFactory(name="Django")])
    filed = PostFactory(category=CategoryFactory(name="News"))
    other = PostFactory()
    before = {p.pk: api.get(f"/api/posts/{p.pk}/") for p in (tagged, filed, other)}
    with django_capture_on_commit_callbacks(execute=True):  # retires cached pages
        tag = Tag.objects.get(name="Django")
        tag.name = "Django 5"
        tag.save()
        category = filed.category
        category.description = "All the news"
        category.save()
    after = {pk: api.get(f"/api/posts/{pk}/") for pk in before}
    for post in (tagged, filed):
        assert after[post.pk]["ETag"] != before[post.pk]["ETag"]
        assert after[post.pk].json()["changed_at"] > before[post.pk].json()["changed_at"]
    assert after[tagged.pk].json()["tags"][0]["name"] == "Django 5"
    assert after[other.pk]["ETag"] == before[other.pk]["ETag"]


@pytest.mark.django_db
def test_sync_pages_are_never_cached(api, time_machine):
    """A page held back by the settling time must not be kept: the clock alone changes it
    (the page cache keeps anonymous API answers until the next write, or for a minute)."""
    PostFactory()
    first = api.get("/api/posts/", {"cursor": ""})
    assert first.json()["results"] == [] and first["Cache-Control"] == "no-store"
    tombstones = api.get("/api/posts/tombstones/")
    assert tombstones["Cache-Control"] == "no-store"
    _later(time_machine)
    assert len(api.get("/api/posts/", {"cursor": ""}).json()["results"]) == 1


@pytest.mark.django_db
def test_a_new_byline_or_cover_alt_text_moves_the_marker(api, django_capture_on_commit_callbacks):
    """The author's display name and the cover's alt text are part of a post's JSON."""
    from images.models import Image

    image = Image.objects.create(
        file="cover.jpg", format="JPEG", alt_text="A harbour", width=10, height=10, size=100
    )
    post = PostFactory(cover_image=image)
    before = api.get(f"/api/posts/{post.pk}/").json()
    with django_capture_on_commit_callbacks(execute=True):  # retires cached pages
        author = post.author
        author.last_login = timezone.now()
        author.save(update_fields=["last_login"])  # a login changes nothing shown
    assert api.get(f"/api/posts/{post.pk}/").json()["changed_at"] == before["changed_at"]
    with django_capture_on_commit_callbacks(execute=True):
        author.display_name = "A. New Byline"
        author.save()
    middle = api.get(f"/api/posts/{post.pk}/").json()
    assert middle["author"]["display_name"] == "A. New Byline"
    assert middle["changed_at"] > before["changed_at"]
    with django_capture_on_commit_callbacks(execute=True):
        image.alt_text = "A harbour at dusk"
        image.save()
    after = api.get(f"/api/posts/{post.pk}/").json()
    assert after["cover_image"]["alt_text"] == "A harbour at dusk"
    assert after["changed_at"] > middle["changed_at"]


@pytest.mark.django_db
def test_a_malformed_tombstone_cursor_is_a_400_an_unknown_one_a_404(api):
    # As on post lists (test_a_malformed_cursor_is_a_400_an_unknown_one_a_404).
    assert api.get("/api/posts/tombstones/", {"cursor": "no such!"}).status_code == 400
    assert api.get("/api/posts/tombstones/", {"cursor": "nonsense"}).status_code == 404


@pytest.mark.postgresql  # its list of open transactions; SQLite has one writer at a time
@pytest.mark.django_db(transaction=True)
def test_a_crawl_waits_for_a_write_held_open_past_the_settling_time(api, time_machine):
    """A write stamped, then held open (a lock wait, a busy machine) past the settling
    time, while a later write commits: a crawl must not pass the first one's stamp until
    it commits, or the mirror never sees it (a mirror under load once missed a post's
    last change this way). PostgreSQL's own list of open transactions tells pages what
    is still being written; `time_machine` moves the app's clock, not PostgreSQL's."""
    late, other = PostFactory(title="Before"), PostFactory(title="Other")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Post.objects.update(updated_at=an_hour_ago, recorded_at=an_hour_ago)
    written, commit, errors = threading.Event(), threading.Event(), []

    def hold_open() -> None:  # its own connection: another PostgreSQL session
        try:
            with transaction.atomic():
                post_update(post=Post.objects.get(pk=late.pk), data={"title": "After"}, user=None)
                written.set()
                assert commit.wait(30)
        except BaseException as error:
            errors.append(error)
            written.set()
        finally:
            connection.close()

    writer = threading.Thread(target=hold_open)
    writer.start()
    assert written.wait(30)
    # Committed, and marked after the held write's stamp.
    now = timezone.now()
    Post.objects.filter(pk=other.pk).update(updated_at=now, recorded_at=now)
    _later(time_machine)  # the app's 2 s are over for both
    first = api.get("/api/posts/", {"cursor": "", "page_size": 100}).json()
    assert [row["id"] for row in first["results"]] == [late.pk]  # its old version only
    commit.set()
    writer.join(30)
    assert not errors, errors
    _later(time_machine)
    second = api.get("/api/posts/", {"cursor": first["cursor"], "page_size": 100}).json()
    assert {row["id"]: row["title"] for row in second["results"]} == {
        late.pk: "After",
        other.pk: "Other",
    }


@pytest.mark.django_db
def test_a_cursor_resumes_after_the_last_rows_stored_marker_even_if_it_has_expired(
    api_as, time_machine
):
    """The cursor of a page is its last row's marker as stored, not the marker that row
    shows once its expiry has passed (later): a crawl resumed from a later time skipped
    the posts in between. An editor's crawl lists expired posts, so it shows every time;
    a reader's, when the last row expired between the query and the page's cursor."""
    start = timezone.now() - timedelta(hours=1)
    time_machine.move_to(start, tick=False)
    expiring = PostFactory(title="Expires", published_at=start - timedelta(minutes=1))
    post_update(post=expiring, data={"expires_at": start + timedelta(minutes=10)}, user=None)
    time_machine.move_to(start + timedelta(minutes=5), tick=False)
    between = PostFactory(title="Between", published_at=start)
    time_machine.move_to(start + timedelta(minutes=30), tick=False)
    editor = api_as(EditorFactory())

    first = editor.get("/api/posts/", {"cursor": "", "page_size": 1}).json()
    assert [row["id"] for row in first["results"]] == [expiring.pk]
    second = editor.get("/api/posts/", {"cursor": first["cursor"], "page_size": 1}).json()
    assert [row["id"] for row in second["results"]] == [between.pk]


@pytest.mark.django_db
def test_cursor_pages_carry_no_last_modified_that_could_withhold_a_held_back_change(
    api, time_machine
):
    PostFactory(title="Settled")
    _later(time_machine)
    held_back = PostFactory(title="Just saved")  # within the settling time: not listed yet
    page = api.get("/api/posts/", {"cursor": ""})
    assert held_back.pk not in [row["id"] for row in page.json()["results"]]
    assert "Last-Modified" not in page and "ETag" not in page
    # Had it said when the latest post changed, this conditional read would be a 304.
    _later(time_machine)
    again = api.get("/api/posts/", {"cursor": ""}, HTTP_IF_MODIFIED_SINCE=http_date())
    assert again.status_code == 200
    assert held_back.pk in [row["id"] for row in again.json()["results"]]
    assert "Last-Modified" in api.get("/api/posts/")  # numbered pages keep theirs
    assert "Last-Modified" not in api.get("/api/posts/published/", {"cursor": ""})


@pytest.mark.django_db
def test_posts_imported_with_their_old_dates_reach_clients_that_synced_before(
    api, time_machine, django_capture_on_commit_callbacks
):
    """An import keeps each post's own dates (`updated_at` years back, as the source
    says), yet a client that synced before it finds the imported posts by each way the
    docs give: resuming its cursor, `?updated_after=` its last sync, and the list's
    `If-Modified-Since`. The marker followed `updated_at`, so none of them did."""
    PostFactory(title="Before the import")
    _later(time_machine)
    crawled = api.get("/api/posts/", {"cursor": "", "page_size": 100}).json()
    listed = api.get("/api/posts/")
    synced_at = timezone.now()
    _later(time_machine)
    with django_capture_on_commit_callbacks(execute=True):  # what the import retires
        call_command("import_wordpress", REAL_EXPORTS / "valid-wxr-1.1.xml", stdout=StringIO())
    imported = set(Post.objects.public().exclude(title="Before the import").values_list("pk"))
    assert imported
    assert all(
        post.updated_at < synced_at - timedelta(days=365) < post.recorded_at
        for post in Post.objects.filter(pk__in=[pk for (pk,) in imported])
    )  # the source's dates are kept; the sync marker is the import's time
    _later(time_machine)

    resumed = api.get("/api/posts/", {"cursor": crawled["cursor"], "page_size": 100}).json()
    assert {(row["id"],) for row in resumed["results"]} == imported
    since = api.get("/api/posts/", {"updated_after": synced_at.isoformat()}).json()
    assert {(row["id"],) for row in since["results"]} == imported
    again = api.get("/api/posts/", HTTP_IF_MODIFIED_SINCE=listed["Last-Modified"])
    assert again.status_code == 200


@pytest.mark.django_db
def test_a_post_imported_already_expired_was_never_public_here(
    api, time_machine, tmp_path, django_capture_on_commit_callbacks
):
    """A post that ran its course on the old site comes in with its dates, written
    before its expiry there: here it was never public, so no tombstone lists its slug
    and the sweep announces nothing for it."""
    now = timezone.now()
    PostFactory(
        title="Ran its course",
        published_at=now - timedelta(days=3),
        expires_at=now + timedelta(minutes=1),
    )
    _later(time_machine, 120)
    exported = StringIO()
    call_command("export", stdout=exported)
    Post.all_kinds.all().delete()
    (tmp_path / "export.json").write_text(exported.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_broadsheet", tmp_path / "export.json", stdout=StringIO())
    imported = Post.objects.get(title="Ran its course")
    assert imported.updated_at < imported.expires_at < imported.recorded_at
    assert imported.pk not in _tombstones(api)
    endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/hook")
    publish_sweep()
    assert not Delivery.objects.filter(endpoint=endpoint).exists()
