"""`Member.added_at` (0004) filled in and indexed.

Existing members get their `created_at`, in batches that commit on their own, so that
a saved cursor still means what it meant; then the cursor pages' index is built without
a lock on PostgreSQL (core/operations.py). Not atomic: interrupted, it completes when
`migrate` runs again. Members imported before this release keep the source's date: a
client that synced before such an import crawls once from an empty cursor.
"""

from django.db import migrations, models

from core.operations import AddIndexConcurrently

BATCH = 5000


def copy_created_at(apps, schema_editor) -> None:
    Member = apps.get_model("members", "Member")
    last = 0
    while True:
        ids = list(
            Member.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return
        Member.objects.filter(pk__gte=ids[0], pk__lte=ids[-1]).update(
            added_at=models.F("created_at")
        )
        last = ids[-1]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("members", "0004_member_added_at"),
    ]

    operations = [
        migrations.RunPython(copy_created_at, migrations.RunPython.noop),
        AddIndexConcurrently(
            "member", models.Index(fields=["added_at", "id"], name="member_added_idx")
        ),
    ]
