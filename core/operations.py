"""Migration operations that change a large table's indexes without stopping its readers.

A plain `AddIndex` or `RemoveIndex` on PostgreSQL locks the table: `CREATE INDEX` blocks
writes while it builds, and `DROP INDEX` blocks reads too until the migration's
transaction commits. PostgreSQL's `CONCURRENTLY` forms take no such lock, and
`django.contrib.postgres` has operations for them. These subclasses use them on
PostgreSQL and the ordinary statements elsewhere: `make run`'s SQLite has no
`CONCURRENTLY` and no readers to keep.

A migration using them sets `atomic = False`, so each step commits on its own. They are
written so that one interrupted half way (a deploy killed, a lost connection) succeeds
when `migrate` runs again: an index is dropped if it exists before it is built (an
interrupted `CREATE INDEX CONCURRENTLY` leaves an invalid one behind, which PostgreSQL
would refuse to build again), and dropping an index that is gone already is no error. (A
rerun rebuilds the index it was building, even one it had finished: queries that need it
scan the table until it is built again.)
Backwards too, except a rollback stopped right after a rename: rename that index back by
hand (`ALTER INDEX … RENAME TO …`), then run it again.
"""

from __future__ import annotations

from django.contrib.postgres import operations as postgres
from django.db import NotSupportedError


def _drop_if_exists(schema_editor, model, index) -> None:
    if schema_editor.connection.vendor == "postgresql":
        # Django's own statement: DROP INDEX CONCURRENTLY IF EXISTS.
        schema_editor.remove_index(model, index, concurrently=True)
    else:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index.name)}")


def _outside_transactions(operation, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql" and schema_editor.connection.in_atomic_block:
        raise NotSupportedError(
            f"{type(operation).__name__} cannot run inside a transaction: set atomic = False"
            " on the migration."
        )


def _build(schema_editor, model, index) -> None:
    _drop_if_exists(schema_editor, model, index)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(model, index, concurrently=True)
    else:
        schema_editor.add_index(model, index)


class AddIndexConcurrently(postgres.AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        _outside_transactions(self, schema_editor)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _build(schema_editor, model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        _outside_transactions(self, schema_editor)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            _drop_if_exists(schema_editor, model, self.index)


class RemoveIndexConcurrently(postgres.RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        _outside_transactions(self, schema_editor)
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            _drop_if_exists(schema_editor, model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        _outside_transactions(self, schema_editor)
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            _build(schema_editor, model, index)
