"""GIN index over the stored search vector, on PostgreSQL only (SQLite has no tsvector)."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS post_search_vector_gin ON blog_post USING gin (search_vector)"
DROP = "DROP INDEX IF EXISTS post_search_vector_gin"


def run_on_postgres(sql):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgres(CREATE), run_on_postgres(DROP))]
