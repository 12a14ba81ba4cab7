"""Tag names unique whatever their letter case (issue 13: "Race-1" and "race-1" made two
tags under concurrency). Existing case variants are merged into the oldest first."""

from django.db import migrations, models
from django.db.models.functions import Lower


def merge_case_variants(apps, schema_editor):
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
    dependencies = [("blog", "0003_listing_indexes")]

    operations = [
        migrations.RunPython(merge_case_variants, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                Lower("name"),
                name="blog_tag_name_ci_unique",
                violation_error_message="A tag with this name already exists.",
            ),
        ),
    ]
