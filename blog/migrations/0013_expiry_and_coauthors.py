"""Expiry (`Post.expires_at`, the `expired` tombstone) and co-authors (`PostAuthor`).

Every existing post gets its author as the only byline row, at position 0 (in batches,
one INSERT ... SELECT per batch of posts). Backwards, the rows go with their table.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


BATCH = 5000


def lead_authors(apps, schema_editor) -> None:
    Post = apps.get_model("blog", "Post")
    PostAuthor = apps.get_model("blog", "PostAuthor")
    last = 0
    while True:
        rows = list(
            Post.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "author_id")[:BATCH]
        )
        if not rows:
            return
        PostAuthor.objects.bulk_create(
            [PostAuthor(post_id=pk, user_id=author_id, position=0) for pk, author_id in rows]
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0012_seo_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="expires_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Optional: when the post leaves public view (an embargo ends, an offer is over).",
                null=True,
                verbose_name="expires at",
            ),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(("expires_at__isnull", False)),
                fields=["expires_at", "id"],
                name="post_expires_idx",
            ),
        ),
        migrations.AlterField(
            model_name="posttombstone",
            name="reason",
            field=models.CharField(
                choices=[
                    ("deleted", "Deleted"),
                    ("unpublished", "Unpublished"),
                    ("expired", "Expired"),
                ],
                default="deleted",
                max_length=12,
            ),
        ),
        migrations.CreateModel(
            name="PostAuthor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "post",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bylines",
                        to="blog.post",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="bylines",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["post", "position"],
                "indexes": [models.Index(fields=["user", "post"], name="postauthor_user_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("post", "user"), name="postauthor_once"),
                    models.UniqueConstraint(
                        fields=("post", "position"), name="postauthor_position"
                    ),
                ],
            },
        ),
        migrations.RunPython(lead_authors, migrations.RunPython.noop, elidable=True),
    ]
