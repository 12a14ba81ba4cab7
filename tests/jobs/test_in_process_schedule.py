"""`make run` has no broker, no beat and no worker: `manage.py serve` runs the stored
beat schedule in the serving process (core.schedules). A scheduled update applies there,
at its time, and the reader's cached page is retired by the same process."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core.schedules import run_due
from editorial.models import ScheduledUpdate
from tests.factories import PostFactory

# Also in the embedded pass (SQLite, local-memory cache): what `make run` serves.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.embedded]


def test_a_due_scheduled_update_is_applied_in_process_and_readers_see_it(author, time_machine):
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start, tick=False)
    call_command("setup_schedules", stdout=io.StringIO())
    post = PostFactory(author=author, title="Ferry times", published_at=start - timedelta(days=1))
    ScheduledUpdate.objects.create(
        post=post, fields={"title": "Ferry times (winter)"}, apply_at=start + timedelta(minutes=1),
        created_by=author,
    )  # fmt: skip
    reader = Client()
    assert "Ferry times (winter)" not in reader.get(post.get_absolute_url()).content.decode()

    last_run: dict = {}
    assert run_due(last_run) == []  # first sight: each task counts from now
    time_machine.move_to(start + timedelta(minutes=2), tick=False)
    ran = run_due(last_run)
    assert "scheduled-updates" in ran and "publish-sweep" in ran
    assert "daily-report" not in ran  # once a day, not at every start
    post.refresh_from_db()
    assert post.title == "Ferry times (winter)"
    assert ScheduledUpdate.objects.get().applied_at is not None
    assert "Ferry times (winter)" in reader.get(post.get_absolute_url()).content.decode()
    assert run_due(last_run) == []  # nothing due again at once
