"""The sync contract: a marker index for syncing clients, and a tombstone per post that
left public view (with its reason), written for unpublished posts too."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Case, F, When


def tombstones_for_hidden_posts(apps, schema_editor):
    """Posts that were public once and are hidden now get the tombstone saves now write;
    public posts that went live by the clock get their `first_public_at`."""
    Post = apps.get_model("blog", "Post")
    PostTombstone = apps.get_model("blog", "PostTombstone")
    now = django.utils.timezone.now()
    public = models.Q(status="published", published_at__lte=now)
    Post.objects.filter(public, first_public_at__isnull=True).update(
        first_public_at=F("published_at")
    )
    known = PostTombstone.objects.values("post_id")
    hidden = Post.objects.exclude(public).filter(first_public_at__isnull=False)
    PostTombstone.objects.bulk_create(
        PostTombstone(post_id=pk, slug=slug, reason="unpublished", at=updated_at)
        for pk, slug, updated_at in hidden.exclude(pk__in=known).values_list(
            "pk", "slug", "updated_at"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0007_listing_indexes_end_with_id"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="posttombstone",
            options={"ordering": ["at", "post_id"]},
        ),
        migrations.AlterField(
            model_name="posttombstone",
            name="deleted_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RenameField(model_name="posttombstone", old_name="deleted_at", new_name="at"),
        migrations.AddField(
            model_name="posttombstone",
            name="reason",
            field=models.CharField(
                choices=[("deleted", "Deleted"), ("unpublished", "Unpublished")],
                default="deleted",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                Case(
                    When(
                        status="published",
                        published_at__gt=F("updated_at"),
                        then=F("published_at"),
                    ),
                    default=F("updated_at"),
                ),
                F("id"),
                name="post_changed_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="posttombstone",
            index=models.Index(fields=["at", "post_id"], name="tombstone_at_idx"),
        ),
        migrations.RunPython(tombstones_for_hidden_posts, migrations.RunPython.noop),
    ]
