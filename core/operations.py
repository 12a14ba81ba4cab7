"""Migration operations that change a large table's indexes without stopping its readers.

A plain `AddIndex` or `RemoveIndex` on PostgreSQL locks the table: `CREATE INDEX` blocks
writes while it builds, and `DROP INDEX` blocks reads too until the migration's
transaction commits. PostgreSQL's `CONCURRENTLY` forms take no such lock, and
`django.contrib.postgres` has operations for them. These subclasses use them on
PostgreSQL and the ordinary statements elsewhere: `make run`'s SQLite has no
`CONCURRENTLY` and no readers to keep. A migration using them sets `atomic = False`,
so each step commits on its own; they are written so that a migration interrupted half
way (a deploy killed, a lost connection) succeeds when `migrate` runs again.
"""

from __future__ import annotations

from django.contrib.postgres import operations as postgres
from django.db import migrations


def _concurrently(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if _concurrently(schema_editor):
            # An interrupted CREATE INDEX CONCURRENTLY leaves an invalid index of this
            # name behind, and PostgreSQL would refuse to build it again.
            model = to_state.apps.get_model(app_label, self.model_name)
            if self.allow_migrate_model(schema_editor.connection.alias, model):
                schema_editor.remove_index(model, self.index, concurrently=True)
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if _concurrently(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.AddIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )


class RemoveIndexConcurrently(postgres.RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if _concurrently(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_forwards(
                self, app_label, schema_editor, from_state, to_state
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if _concurrently(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            migrations.RemoveIndex.database_backwards(
                self, app_label, schema_editor, from_state, to_state
            )
