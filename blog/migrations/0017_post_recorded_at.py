"""`Post.recorded_at`: when this site last wrote the post, never backdated.

Imports keep their source's `updated_at` (readers, feeds and sitemaps show it), and the
sync marker followed `updated_at`: a client that synced before an import never found the
imported posts (`?updated_after=`, a cursor crawl under way, a list's `If-Modified-Since`
all answered as if nothing had changed). The marker now follows `recorded_at`.

The column alone, in a transaction of its own (0018 fills it and builds its indexes
without one, so that an interrupted 0018 completes when `migrate` runs again). Its
database default, `now()`, lets the code still serving while the migration runs (which
knows nothing of the column) create posts; on PostgreSQL `now()` is evaluated once for
the existing rows, so adding the column rewrites no row.
"""

from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0016_public_rule_in_listing_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="recorded_at",
            field=models.DateTimeField(auto_now=True, db_default=Now()),
        ),
    ]
