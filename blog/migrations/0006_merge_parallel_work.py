# One leaf for the blog migrations that the editors, images, speed, resilience, API and readers
# work added side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0005_slug_redirects'),
        ('blog', '0004_ordering_indexes'),
        ('blog', '0004_post_cover_image'),
        ('blog', '0004_tag_name_case_insensitive_unique'),
        ('blog', '0004_tombstones_and_updated_index'),
        ('blog', '0004_sqlite_fulltext'),
    ]

    operations = [
    ]
