"""Re-render every post's HTML with the current Markdown pipeline.

Bodies are rendered on save, so a change to `blog/markdown.py` (a new parser, a new
plugin) reaches old posts only when they are saved again; this does it for all of them
without touching `updated_at`, slugs or excerpts.
"""

from django.core.management.base import BaseCommand

from blog.markdown import render_markdown
from blog.models import Post


class Command(BaseCommand):
    help = "Re-render body_html of every post with the current Markdown pipeline."

    def handle(self, *args, **options) -> None:
        changed = 0
        for pk, body, html in Post.objects.values_list("pk", "body", "body_html").iterator():
            fresh = render_markdown(body)
            if fresh != html:
                Post.objects.filter(pk=pk).update(body_html=fresh)
                changed += 1
        self.stdout.write(f"{changed} post(s) re-rendered.")
