"""The visibility rule's columns in the indexes public listings walk (index-only scans).

Each rebuilt index is built beside the old one under a new name, the old one dropped and
the new one renamed, all without locking `blog_post` on PostgreSQL (core/operations.py):
a large site stays readable and writable while this runs, and (unless it is interrupted)
no query is ever without its index. Hence `atomic = False`: each step commits on its
own; if the migration is interrupted, `migrate` run again completes it.
"""

from django.conf import settings
from django.db import migrations, models

from core.operations import AddIndexConcurrently, RemoveIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("blog", "0015_post_newsletter"),
        ("images", "0002_image_renditions_done_at"),
        ("newsletters", "0002_issue_frozen_mail"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["status", "-published_at", "-id"],
                include=("kind", "expires_at"),
                name="post_status_published_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_status_published_idx"),
        migrations.RenameIndex(
            "post", new_name="post_status_published_idx", old_name="post_status_published_new"
        ),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["author", "status", "-published_at", "-id"],
                include=("kind", "expires_at"),
                name="post_author_status_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_author_status_idx"),
        migrations.RenameIndex(
            "post", new_name="post_author_status_idx", old_name="post_author_status_new"
        ),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["category", "status", "-published_at", "-id"],
                include=("kind", "expires_at"),
                name="post_category_status_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_category_status_idx"),
        migrations.RenameIndex(
            "post", new_name="post_category_status_idx", old_name="post_category_status_new"
        ),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["created_at", "id"],
                include=("kind", "status", "published_at", "expires_at"),
                name="post_created_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_created_idx"),
        migrations.RenameIndex("post", new_name="post_created_idx", old_name="post_created_new"),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["title", "id"],
                include=("kind", "status", "published_at", "expires_at"),
                name="post_title_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_title_idx"),
        migrations.RenameIndex("post", new_name="post_title_idx", old_name="post_title_new"),
        AddIndexConcurrently(
            "post",
            models.Index(
                fields=["updated_at", "id"],
                include=("kind", "status", "published_at", "expires_at", "first_public_at"),
                name="post_updated_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_updated_idx"),
        migrations.RenameIndex("post", new_name="post_updated_idx", old_name="post_updated_new"),
        AddIndexConcurrently(
            "post",
            models.Index(
                condition=models.Q(("kind", "post"), ("noindex", False), ("status", "published")),
                fields=["-published_at", "-id"],
                include=("expires_at",),
                name="post_sitemap_new",
            ),
        ),
        RemoveIndexConcurrently("post", "post_sitemap_idx"),
        migrations.RenameIndex("post", new_name="post_sitemap_idx", old_name="post_sitemap_new"),
        AddIndexConcurrently(
            "post",
            models.Index(
                condition=models.Q(("kind", "page")), fields=["slug"], name="page_slug_idx"
            ),
        ),
    ]
