"""`Post.recorded_at` (0017) filled in and indexed.

1. copies `updated_at` into it, in batches that commit on their own, so that a large
   site's posts are never all locked at once and syncing clients see no change: the
   markers stay what they were;
2. builds the Last-Modified index on it, and rebuilds the sync marker's beside the old
   one, as 0016 does (core/operations.py): no lock on `blog_post` on PostgreSQL, and
   no moment without the index;
3. catches up with what the code still serving wrote meanwhile: it moves `updated_at`
   alone, so a post edited during steps 1 and 2 gets its `recorded_at` from it.

Not atomic: interrupted anywhere, it completes when `migrate` runs again (each step can
be run twice). Posts imported before this release keep their source's date as their
marker: a mirror that synced before such an import crawls once from an empty cursor. An
edit made by the old code after step 3 and before the new code serves (compose starts
the new web once `migrate` is done: seconds) moves its post's marker at its next write.
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


def catch_up(apps, schema_editor) -> None:
    Post = apps.get_model("blog", "Post")
    Post.objects.filter(updated_at__gt=models.F("recorded_at")).update(
        recorded_at=models.F("updated_at")
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("blog", "0017_post_recorded_at"),
    ]

    operations = [
        migrations.RunPython(copy_updated_at, migrations.RunPython.noop),
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
        migrations.RunPython(catch_up, migrations.RunPython.noop),
    ]
