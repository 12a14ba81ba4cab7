"""`Post.recorded_at`: when this site last wrote the post, never backdated.

Imports keep their source's `updated_at` (readers, feeds and sitemaps show it), and the
sync marker followed `updated_at`: a client that synced before an import never found the
imported posts (`?updated_after=`, a cursor crawl under way, a list's `If-Modified-Since`
all answered as if nothing had changed). The marker now follows `recorded_at`.

1. adds the column (each existing row stamped with this migration's time);
2. copies `updated_at` into it, in batches that commit on their own, so that a large
   site's posts are never all locked at once and syncing clients see no change: the
   markers are what they were (if interrupted, the rows not yet copied keep this
   migration's time, a later marker, which only makes mirrors fetch them again);
3. builds the Last-Modified index on it, and rebuilds the sync marker's beside the old
   one, as 0016 does (core/operations.py): no lock on `blog_post` on PostgreSQL, and
   no moment without the index.
"""

from django.db import migrations, models

from core.operations import AddIndexConcurrently, RemoveIndexConcurrently

BATCH = 2000


def copy_updated_at(apps, schema_editor) -> None:
    Post = apps.get_model("blog", "Post")
    last = 0
    while True:
        ids = list(
            Post.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        Post.objects.filter(pk__gte=ids[0], pk__lte=ids[-1]).update(
            recorded_at=models.F("updated_at")
        )
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("blog", "0016_public_rule_in_listing_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="recorded_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(copy_updated_at, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["recorded_at", "id"],
                include=("kind", "status", "published_at", "expires_at", "first_public_at"),
                name="post_recorded_idx",
            ),
        ),
        AddIndexConcurrently(
            "post",
            models.Index(
                models.Case(
                    models.When(
                        status="published",
                        published_at__gt=models.F("recorded_at"),
                        then=models.F("published_at"),
                    ),
                    default=models.F("recorded_at"),
                ),
                models.F("id"),
                name="post_changed_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_changed_idx"),
        migrations.RenameIndex("post", new_name="post_changed_idx", old_name="post_changed_new"),
    ]
