"""The six `0004_*` migrations that parallel work added side by side, as one.

A new database runs this one. A database that applied all six (every database at 0006 or
later, since 0006 merged them) takes it as applied, thanks to `replaces`, and goes on.
The six files are gone; 0005, 0006 and editorial's 0001 still name some of them as
dependencies, which Django maps onto this migration for as long as `replaces` lists
them, so both kinds of database see the same graph. Keep `replaces` until every deployed
database has run `migrate` once with this file (it then records this name too); only
then may the names in those dependencies change and `replaces` go.

A database that applied only some of the six (a checkout from the day they were written)
cannot use this: copy the six files of tests/blog/before_squash/migrations/ back here,
migrate, and remove them again.

The operations are the six's, in the order of their names; the functions are copied here
from them. tests/blog/test_migrations.py proves both paths end in the same schema.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

# From 0004_sqlite_fulltext: FTS5 index of posts on SQLite only; PostgreSQL has its
# search vector.
FTS_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS blog_post_fts USING fts5("
    "title, excerpt, body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
FTS_FILL = "INSERT INTO blog_post_fts (rowid, title, excerpt, body) SELECT id, title, excerpt, body FROM blog_post"
FTS_DROP = "DROP TABLE IF EXISTS blog_post_fts"


def date_first_public(apps, schema_editor):
    """Posts public before this migration: their publication time is when they first were."""
    from django.utils import timezone

    Post = apps.get_model("blog", "Post")
    Post.objects.filter(status="published", published_at__lte=timezone.now()).update(
        first_public_at=models.F("published_at")
    )


def create_sqlite_fulltext(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS_CREATE)
        schema_editor.execute(FTS_FILL)


def drop_sqlite_fulltext(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(FTS_DROP)


def merge_case_variants(apps, schema_editor):
    """Tag names unique whatever their letter case: existing case variants are merged into
    the oldest first."""
    Tag = apps.get_model("blog", "Tag")
    Through = apps.get_model("blog", "Post").tags.through
    keep: dict[str, int] = {}
    for tag in Tag.objects.order_by("pk"):
        key = tag.name.lower()
        if key not in keep:
            keep[key] = tag.pk
            continue
        kept = keep[key]
        tagged = set(Through.objects.filter(tag_id=kept).values_list("post_id", flat=True))
        for link in Through.objects.filter(tag_id=tag.pk):
            if link.post_id not in tagged:
                Through.objects.create(post_id=link.post_id, tag_id=kept)
        tag.delete()


class Migration(migrations.Migration):

    replaces = [
        ("blog", "0004_editorial_states"),
        ("blog", "0004_ordering_indexes"),
        ("blog", "0004_post_cover_image"),
        ("blog", "0004_sqlite_fulltext"),
        ("blog", "0004_tag_name_case_insensitive_unique"),
        ("blog", "0004_tombstones_and_updated_index"),
    ]

    dependencies = [
        ("blog", "0003_listing_indexes"),
        ("images", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # 0004_editorial_states
        migrations.AddField(
            model_name="post",
            name="first_public_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="post",
            name="last_edited_by",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name="post",
            name="review_note",
            field=models.TextField(blank=True, editable=False, max_length=2000),
        ),
        migrations.AlterField(
            model_name="post",
            name="status",
            field=models.CharField(choices=[("draft", "Draft"), ("review", "In review"), ("published", "Published")], default="draft", max_length=10),
        ),
        migrations.RunPython(date_first_public, migrations.RunPython.noop),
        # 0004_ordering_indexes
        migrations.RemoveIndex(
            model_name="post",
            name="post_status_published_idx",
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["status", "-published_at", "-id"], name="post_status_published_idx"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["-published_at", "-id"], name="post_newest_idx"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["created_at"], name="post_created_idx"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["title"], name="post_title_idx"),
        ),
        # 0004_post_cover_image
        migrations.AddField(
            model_name="post",
            name="cover_image",
            field=models.ForeignKey(blank=True, help_text="Shown at the top of the post, in listings and when the post is shared.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="images.image"),
        ),
        # 0004_sqlite_fulltext
        migrations.RunPython(create_sqlite_fulltext, drop_sqlite_fulltext),
        # 0004_tag_name_case_insensitive_unique
        migrations.RunPython(merge_case_variants, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                Lower("name"),
                name="blog_tag_name_ci_unique",
                violation_error_message="A tag with this name already exists.",
            ),
        ),
        # 0004_tombstones_and_updated_index
        migrations.CreateModel(
            name="PostTombstone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("post_id", models.BigIntegerField(unique=True)),
                ("slug", models.SlugField(max_length=220)),
                ("deleted_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["deleted_at", "post_id"],
            },
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["updated_at", "id"], name="post_updated_idx"),
        ),
    ]
