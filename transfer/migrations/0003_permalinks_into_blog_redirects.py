"""Old permalinks of imported posts move into `blog.Redirect`, the one table of moved
addresses (its rows may lead to a post since blog's 0009), and `transfer.Permalink` goes.

A path that is already a moved address in blog keeps that row (a renamed slug's path and
an old permalink cannot be the same in practice: slugs live under /posts/, /category/ and
/tag/). Reversed, the post-linked rows go back into a new `transfer.Permalink`.
"""

from django.db import migrations


def into_blog_redirects(apps, schema_editor):
    Permalink = apps.get_model("transfer", "Permalink")
    Redirect = apps.get_model("blog", "Redirect")
    db = schema_editor.connection.alias
    rows = Permalink.objects.using(db).values_list("path", "post_id")
    Redirect.objects.using(db).bulk_create(
        [Redirect(old_path=path, post_id=post_id) for path, post_id in rows.iterator()],
        batch_size=1000,
        ignore_conflicts=True,
    )


def back_into_permalinks(apps, schema_editor):
    Permalink = apps.get_model("transfer", "Permalink")
    Redirect = apps.get_model("blog", "Redirect")
    db = schema_editor.connection.alias
    to_posts = Redirect.objects.using(db).filter(post__isnull=False)
    Permalink.objects.using(db).bulk_create(
        [Permalink(path=path, post_id=post_id) for path, post_id in to_posts.values_list("old_path", "post_id")],
        batch_size=1000,
    )
    to_posts.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("blog", "0009_redirect_to_a_post"),
        ("transfer", "0002_exportjob_running_claim"),
    ]

    operations = [
        migrations.RunPython(into_blog_redirects, back_into_permalinks),
        migrations.DeleteModel(name="Permalink"),
    ]
