"""editorial 0003: each writer's one "new post" slot becomes a keyed autosave, and back."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import AuthorFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("editorial", "0002_autosave_new_post_slot")]
AFTER = [("editorial", "0003_autosave_per_new_post_and_every_field")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_old_slot_is_kept_as_a_keyed_autosave_and_going_back_keeps_the_newest():
    writer, other = AuthorFactory(), AuthorFactory()
    try:
        old = migrate(BEFORE).get_model("editorial", "Autosave")
        old.objects.create(user_id=writer.pk, title="Slot", body="Typed before the upgrade.")
        old.objects.create(user_id=other.pk, title="Theirs", body="Also kept.")

        new = migrate(AFTER).get_model("editorial", "Autosave")
        kept = {a.title: a for a in new.objects.all()}
        assert set(kept) == {"Slot", "Theirs"}
        assert kept["Slot"].body == "Typed before the upgrade." and kept["Slot"].draft_key
        assert kept["Slot"].draft_key != kept["Theirs"].draft_key and kept["Slot"].fields == {}

        new.objects.create(user_id=writer.pk, draft_key=uuid.uuid4(), title="Newer", body="x")
        back = migrate(BEFORE).get_model("editorial", "Autosave")
        assert sorted(back.objects.values_list("title", flat=True)) == ["Newer", "Theirs"]
    finally:
        # Every app's latest migration, not AFTER alone: going back to 0002 also unapplied
        # the later editorial migrations, which the tests that follow need.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
