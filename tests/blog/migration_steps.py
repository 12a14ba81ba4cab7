"""Steps of tests/blog/test_migrations.py, each run in its own process on a fresh database.

    python -m tests.blog.migration_steps old-head   # migrate as before the squash, add data
    python -m tests.blog.migration_steps report     # print what a reader and the schema show

A separate process because migrations must run on the `default` database (their data
functions use it) and the test's own database is already migrated: `DATABASE_URL` names
the fresh database here, and the test never touches it otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

# The migration names at commit bc1c94c, before the 0004_* blog migrations were squashed
# and transfer's permalinks moved into blog's redirects: "today's head" of issue 28.
OLD_HEAD = [
    ("accounts", "0004_integration_key"),
    ("blog", "0008_sync_marker_and_tombstones"),
    ("editorial", "0002_autosave_new_post_slot"),
    ("images", "0002_image_renditions_done_at"),
    ("transfer", "0002_exportjob_running_claim"),
    ("webhooks", "0002_delivery_schedule_and_claim"),
]
POST_SLUG = "old-harbour"


def old_head() -> dict:
    """Apply the migration graph as it was (the six replaced 0004_* files back, the squash
    away), then write the rows a site had: a post with its category and tags, a renamed
    slug, two imported permalinks and a tombstone. Returns what was applied and the tables.
    """
    from django.test import override_settings

    package = Path(tempfile.mkdtemp(prefix="broadsheet-migrations-")) / "blog_before_squash"
    package.mkdir()
    here = Path(__file__).resolve().parent
    for file in [
        *(here.parents[1] / "blog" / "migrations").glob("*.py"),
        *(here / "before_squash" / "migrations").glob("0004_*.py"),
    ]:
        if file.name != "0004_squashed_parallel_work.py":
            shutil.copy(file, package / file.name)
    sys.path.insert(0, str(package.parent))
    try:
        with override_settings(MIGRATION_MODULES={"blog": package.name}):
            return _migrate_to_old_head_and_write()
    finally:
        shutil.rmtree(package.parent, ignore_errors=True)


def _migrate_to_old_head_and_write() -> dict:
    from django.apps import apps as global_apps
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    # Installed apps' migrations are as they were (uv.lock); apps of this repository that
    # OLD_HEAD does not name did not exist then.
    ours = {
        config.label
        for config in global_apps.get_app_configs()
        if "site-packages" not in Path(config.path).parts
    }
    third_party = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in ours]
    targets = OLD_HEAD + third_party
    executor.migrate(targets)
    apps = executor.loader.project_state(targets).apps

    now = timezone.now()
    user = apps.get_model("accounts", "User").objects.create(
        username="writer", email="writer@example.com", password="!", display_name="Writer"
    )
    category = apps.get_model("blog", "Category").objects.create(name="Coast", slug="coast")
    tag = apps.get_model("blog", "Tag").objects.create(name="Harbour", slug="harbour")
    post = apps.get_model("blog", "Post").objects.create(
        title="The old harbour",
        slug=POST_SLUG,
        body="Boats **at rest**.",
        body_html="<p>Boats <strong>at rest</strong>.</p>",
        status="published",
        published_at=now - timedelta(days=3),
        first_public_at=now - timedelta(days=3),
        author=user,
        category=category,
    )
    post.tags.add(tag)
    apps.get_model("blog", "Redirect").objects.create(
        old_path="/posts/harbour/", new_path=f"/posts/{POST_SLUG}/"
    )
    Permalink = apps.get_model("transfer", "Permalink")
    Permalink.objects.create(path="/?p=42", post=post)
    Permalink.objects.create(path="/2023/04/05/harbour/", post=post)
    apps.get_model("blog", "PostTombstone").objects.create(
        post_id=post.pk + 1000, slug="gone", reason="deleted", at=now
    )
    return {"applied": _applied(), "tables": connection.introspection.table_names()}


def _applied() -> list[str]:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied if app in ("blog", "transfer"))


def report() -> dict:
    """What a reader gets from the old addresses, what the tables hold, and the schema."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from blog.models import Post, PostTombstone
    from blog.redirects import Redirect

    setup_test_environment()  # the test client's host allowed, as under pytest
    client = Client()
    answers = {}
    for path in ("/posts/harbour/", "/?p=42", "/2023/04/05/harbour/", f"/posts/{POST_SLUG}/"):
        response = client.get(path)
        answers[path] = [response.status_code, response.get("Location", "")]
    post = Post.objects.filter(slug=POST_SLUG).first()
    introspection = connection.introspection
    with connection.cursor() as cursor:
        schema = {
            table: {
                "columns": sorted(
                    [c.name, str(c.type_code), c.null_ok]
                    for c in introspection.get_table_description(cursor, table)
                ),
                "constraints": introspection.get_constraints(cursor, table),
            }
            for table in sorted(introspection.table_names(cursor))
            if table != "django_migrations"
        }
    return {
        "answers": answers,
        "post": post
        and {
            "title": post.title,
            "body_html": post.body_html,
            "category": post.category.slug,
            "tags": sorted(t.name for t in post.tags.all()),
            "author": post.author.username,
        },
        "redirects": sorted(
            [r.old_path, r.new_path, r.post_id == (post and post.pk)]
            for r in Redirect.objects.all()
        ),
        "tombstones": list(PostTombstone.objects.values_list("slug", "reason")),
        "applied": _applied(),
        "schema": schema,
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    result = old_head() if sys.argv[1] == "old-head" else report()
    print(json.dumps(result, default=str, sort_keys=True))
