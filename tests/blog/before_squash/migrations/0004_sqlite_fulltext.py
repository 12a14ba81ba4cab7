"""FTS5 index of posts (porter stemming) on SQLite only; PostgreSQL has its search vector."""

from django.db import migrations

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS blog_post_fts USING fts5("
    "title, excerpt, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
FILL = "INSERT INTO blog_post_fts (rowid, title, excerpt, body) SELECT id, title, excerpt, body FROM blog_post"
DROP = "DROP TABLE IF EXISTS blog_post_fts"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)
        schema_editor.execute(FILL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("blog", "0003_listing_indexes")]

    operations = [migrations.RunPython(create, drop)]
