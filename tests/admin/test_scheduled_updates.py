"""Scheduled updates: a published post's changes kept aside until their time, then
applied by the sweep exactly once, in the history, with the live post unchanged before."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Post
from blog.services import post_update
from editorial import revisions, scheduled
from editorial.models import Autosave, ScheduledUpdate
from editorial.tasks import apply_scheduled_updates
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db(transaction=True)  # revisions are made on commit

START = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)


def schedule_url(post) -> str:
    return reverse("admin:post_schedule_update", args=[post.pk])


def local(moment) -> str:
    return moment.astimezone(timezone.get_default_timezone()).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def live(author, time_machine):
    time_machine.move_to(START, tick=False)
    return PostFactory(
        author=author, title="Ferry times", body="Old timetable.", excerpt="Old excerpt."
    )


def schedule(client, post, when, **changes):
    data = form(post, excerpt=post.excerpt, category=post.category_id or "", **changes)
    return client.post(schedule_url(post), {**data, "_apply_at": local(when)})


def test_scheduling_keeps_the_changes_aside_and_the_live_post_unchanged(client_for, author, live):
    client = client_for(author)
    when = START + timedelta(hours=2)
    response = schedule(client, live, when, title="Ferry times (winter)", body="New timetable.")
    assert response.status_code == 302
    live.refresh_from_db()
    assert (live.title, live.body) == ("Ferry times", "Old timetable.")
    update = ScheduledUpdate.objects.get(post=live)
    assert update.fields == {"title": "Ferry times (winter)", "body": "New timetable."}
    assert update.apply_at == when and update.created_by == author
    html = client.get(change_url(live)).content.decode()
    assert "Changes scheduled for" in html
    assert "Scheduled changes" in html and "Title, Body" in html
    assert "Ferry times (winter)" not in Client().get(live.get_absolute_url()).content.decode()


def test_the_sweep_applies_it_at_its_time_once_with_a_history_entry(
    client_for, author, editor, live, time_machine
):
    when = START + timedelta(hours=2)
    schedule(client_for(editor), live, when, title="Ferry times (winter)", author=author.pk)
    reader = Client()
    assert "Ferry times" in reader.get(live.get_absolute_url()).content.decode()  # cached now

    time_machine.move_to(when - timedelta(seconds=1), tick=False)
    assert scheduled.apply_due_updates() == []  # not early
    live.refresh_from_db()
    assert live.title == "Ferry times"

    time_machine.move_to(when, tick=False)
    assert apply_scheduled_updates() == 1  # the beat task
    assert apply_scheduled_updates() == 0  # once
    live.refresh_from_db()
    assert live.title == "Ferry times (winter)" and live.body == "Old timetable."
    assert live.last_edited_by == editor
    assert ScheduledUpdate.objects.get().applied_at is not None
    # The cached page is retired by the write: readers see the new text at once.
    assert "Ferry times (winter)" in reader.get(live.get_absolute_url()).content.decode()
    latest = revisions.post_versions(live).first()
    assert latest.revision.comment.startswith("Scheduled update applied (scheduled by ")
    assert editor.public_name in latest.revision.comment
    assert latest.revision.user == editor
    history = client_for(editor).get(reverse("admin:blog_post_history", args=[live.pk]))
    assert "Scheduled update applied" in history.content.decode()


def test_a_cancelled_update_is_never_applied(client_for, author, live, time_machine):
    client = client_for(author)
    schedule(client, live, START + timedelta(hours=1), title="Never")
    update = ScheduledUpdate.objects.get()
    cancel = reverse("admin:post_cancel_scheduled_update", args=[live.pk, update.pk])
    assert cancel in client.get(change_url(live)).content.decode()
    response = client.post(cancel, follow=True)
    assert "Scheduled update cancelled" in response.content.decode()
    time_machine.move_to(START + timedelta(days=1), tick=False)
    assert scheduled.apply_due_updates() == []
    live.refresh_from_db()
    assert live.title == "Ferry times"
    # Cancelling an applied or cancelled one again changes nothing.
    assert "already applied or cancelled" in client.post(cancel, follow=True).content.decode()


def test_only_the_changed_fields_are_applied_over_later_edits(
    client_for, author, live, time_machine
):
    tag = TagFactory(name="winter")
    schedule(client_for(author), live, START + timedelta(hours=1), body="New.", tags=[tag.pk])
    assert ScheduledUpdate.objects.get().fields == {"body": "New.", "tags": [tag.pk]}
    post_update(post=live, data={"title": "Ferry times, edited since"}, user=author)
    time_machine.move_to(START + timedelta(hours=1), tick=False)
    assert len(scheduled.apply_due_updates()) == 1
    live.refresh_from_db()
    assert (live.title, live.body) == ("Ferry times, edited since", "New.")
    assert list(live.tags.all()) == [tag]


def test_a_time_in_the_past_is_refused_and_the_text_offered_back(client_for, author, live):
    client = client_for(author)
    response = schedule(client, live, START - timedelta(hours=1), title="Too late")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Pick a date and time in the future" in page
    assert not ScheduledUpdate.objects.exists()
    assert Autosave.objects.get(post=live, user=author).title == "Too late"
    live.refresh_from_db()
    assert live.title == "Ferry times"


def test_nothing_changed_or_no_time_is_refused(client_for, author, live):
    client = client_for(author)
    response = schedule(client, live, START + timedelta(hours=1))
    assert "Nothing to schedule" in client.get(response["Location"]).content.decode()
    data = {**form(live, title="X"), "_apply_at": ""}
    response = client.post(schedule_url(live), data)
    assert "Pick the date and time" in client.get(response["Location"]).content.decode()
    assert not ScheduledUpdate.objects.exists()


def test_a_stale_form_is_refused(client_for, author, live, time_machine):
    client = client_for(author)
    old_version = live.version
    time_machine.shift(timedelta(seconds=5))
    post_update(post=live, data={"title": "Changed meanwhile"}, user=author)
    when = local(START + timedelta(hours=1))
    data = {**form(live, title="Mine", version=old_version), "_apply_at": when}
    response = client.post(schedule_url(live), data)
    assert "saved this post" in client.get(response["Location"]).content.decode()
    assert not ScheduledUpdate.objects.exists()


def test_drafts_and_other_writers_get_no_schedule(client_for, author, contributor, live):
    draft = PostFactory(author=author, draft=True)
    client = client_for(author)
    assert "Schedule these changes" in client.get(change_url(live)).content.decode()
    assert "Schedule these changes" not in client.get(change_url(draft)).content.decode()
    response = schedule(client, draft, START + timedelta(hours=1), title="X")
    assert "Only a published post" in client.get(response["Location"]).content.decode()
    other = client_for(contributor)
    assert schedule(other, live, START + timedelta(hours=1), title="X").status_code in (403, 404)
    assert not ScheduledUpdate.objects.exists()


# Two sweeps at once: SQLite lets one writer in at a time, so the race exists only on
# PostgreSQL (row locks, SKIP LOCKED).
@pytest.mark.postgresql
def test_two_racing_sweeps_apply_an_update_exactly_once(author, live, monkeypatch, time_machine):
    when = START + timedelta(minutes=5)
    ScheduledUpdate.objects.create(
        post=live, fields={"title": "Once"}, apply_at=when, created_by=author
    )
    time_machine.move_to(when, tick=False)
    inside, second_done = threading.Event(), threading.Event()
    write = scheduled.post_update

    def slow_write(**kwargs):
        inside.set()  # the first sweep holds the update's row lock now
        assert second_done.wait(30)
        return write(**kwargs)

    monkeypatch.setattr(scheduled, "post_update", slow_write)
    results: dict[str, list[int]] = {}

    def sweep(name: str) -> None:
        try:
            results[name] = scheduled.apply_due_updates()
        finally:
            connection.close()

    first = threading.Thread(target=sweep, args=("first",))
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=sweep, args=("second",))
    second.start()
    second.join(30)
    second_done.set()
    first.join(30)
    assert results == {"first": [ScheduledUpdate.objects.get().pk], "second": []}
    assert scheduled.apply_due_updates() == []  # and never again
    live.refresh_from_db()
    assert live.title == "Once"
    comments = [v.revision.comment for v in revisions.post_versions(live)]
    assert sum(c.startswith("Scheduled update applied") for c in comments) == 1
    assert Post.objects.filter(title="Once").count() == 1


def test_search_and_social_fields_can_be_scheduled_too(client_for, author, live, time_machine):
    when = START + timedelta(hours=1)
    response = schedule(client_for(author), live, when, meta_title="Ferry times: winter")
    assert response.status_code == 302
    assert ScheduledUpdate.objects.get().fields == {"meta_title": "Ferry times: winter"}
    time_machine.move_to(when, tick=False)
    assert apply_scheduled_updates() == 1
    live.refresh_from_db()
    assert live.meta_title == "Ferry times: winter"


def test_an_update_whose_post_left_public_view_is_cancelled_at_its_time(
    client_for, author, live, time_machine
):
    """The writer unpublished the post to rework it: the text scheduled weeks ago must not
    overwrite the draft they are writing."""
    when = START + timedelta(hours=1)
    schedule(client_for(author), live, when, title="Old plan")
    post_update(post=live, data={"status": Post.Status.DRAFT, "title": "Reworked"}, user=author)
    time_machine.move_to(when, tick=False)
    assert apply_scheduled_updates() == 0
    live.refresh_from_db()
    assert live.title == "Reworked"
    update = ScheduledUpdate.objects.get()
    assert update.cancelled and update.applied_at is None


def test_an_update_whose_writer_lost_the_right_is_cancelled(client_for, author, live, time_machine):
    when = START + timedelta(hours=1)
    schedule(client_for(author), live, when, title="By a former writer")
    author.is_active = False
    author.save(update_fields=["is_active"])
    time_machine.move_to(when, tick=False)
    assert apply_scheduled_updates() == 0
    live.refresh_from_db()
    assert live.title == "Ferry times" and ScheduledUpdate.objects.get().cancelled
