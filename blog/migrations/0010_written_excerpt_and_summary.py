"""The written excerpt and the summary readers get; links in post bodies followed.

Until now a blank excerpt was filled in at the first save and frozen there. From now on
`excerpt` is what the writer typed (blank allowed) and `summary` is derived on every
save (`Post.derive`). This migration:

1. adds `summary`;
2. re-renders the bodies that have links with the current Markdown pipeline
   (`blog.markdown.render`: no `rel="nofollow"` on editors' links any more), in
   batches, without moving `updated_at` (as `manage.py render_posts` does for all);
   a body without links renders as before, so it is not rendered again;
3. blanks the excerpts that were filled in automatically, so that they follow the body
   from now on: an excerpt is blanked only when it is exactly what the body it was
   stored with gives (`excerpt_from` of the stored HTML, or of the fresh one). Any other
   excerpt is kept as written, whatever it looks like;
4. fills `summary` for every post: the written excerpt, or the start of the body.

Backwards, blank excerpts get their summary back, so nothing readers saw is lost.
"""

from django.db import migrations, models

BATCH = 500
OLD_REL = 'rel="noopener noreferrer nofollow"'  # what the sanitiser put on every link


def _batches(Post, fields):
    last = 0
    while True:
        batch = list(Post.objects.filter(pk__gt=last).order_by("pk").only(*fields)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def rerender_and_summarise(apps, schema_editor) -> None:
    from blog.markdown import excerpt_from, logged, render

    Post = apps.get_model("blog", "Post")
    fields = ["body", "body_html", "excerpt", "summary"]
    for batch in _batches(Post, fields):
        for post in batch:
            stored = excerpt_from(post.body_html)
            fresh = stored
            if OLD_REL in post.body_html:
                # Offline, so a longer budget than a request's; a body that still does not
                # finish keeps its stored formatting with the old `rel` taken out, never
                # the plain-text fallback a busy deploy host would otherwise store.
                rendering = logged(render(post.body, budget_seconds=30))
                if rendering.complete:
                    post.body_html, fresh = rendering.html, rendering.excerpt
                else:
                    post.body_html = post.body_html.replace(" " + OLD_REL, "")
            written = post.excerpt.strip()
            if written and written in (stored, fresh):
                post.excerpt = written = ""  # filled in automatically: follow the body
            post.summary = written or fresh
        Post.objects.bulk_update(batch, fields)  # bulk: `updated_at` stays as it was


def restore_excerpts(apps, schema_editor) -> None:
    Post = apps.get_model("blog", "Post")
    for batch in _batches(Post, ["excerpt", "summary"]):
        blank = [post for post in batch if not post.excerpt.strip()]
        for post in blank:
            post.excerpt = post.summary[:500]
        Post.objects.bulk_update(blank, ["excerpt"])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0009_redirect_to_a_post"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="summary",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AlterField(
            model_name="post",
            name="excerpt",
            field=models.TextField(
                blank=True,
                help_text="Left blank, taken from the start of the body (and kept up to date with it).",
                max_length=500,
            ),
        ),
        migrations.RunPython(rerender_and_summarise, restore_excerpts, elidable=True),
    ]
