"""Re-render every post's HTML with the current Markdown pipeline.

Bodies are rendered on save, so a change to `blog/markdown.py` (a new parser, a new
plugin) reaches old posts only when they are saved again; this does it for all of them
without touching `updated_at` (when the post was last edited), slugs or excerpts. A post
whose HTML changes moves its `recorded_at`, its version: the API shows `body_html`, so
clients fetch it again; an editor with the post open is told it changed and saves again
(their text stays in the form). (Migration 0010 did it once, for the followed links of
editors.)
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from blog.markdown import excerpt_from, render_markdown
from blog.models import Post
from pagecache.cache import invalidate_pages


class Command(BaseCommand):
    help = "Re-render body_html of every post with the current Markdown pipeline."

    def handle(self, *args, **options) -> None:
        changed = 0
        rows = Post.all_kinds.values_list("pk", "body", "body_html", "excerpt")
        for pk, body, html, excerpt in rows.iterator():
            fresh = render_markdown(body)
            if fresh != html:
                # The summary follows the body where the writer left the excerpt blank.
                summary = excerpt.strip() or excerpt_from(fresh)
                Post.all_kinds.filter(pk=pk).update(
                    body_html=fresh, summary=summary, recorded_at=timezone.now()
                )
                changed += 1
        if changed:
            # The pages and the pieces kept for them (summaries are kept per
            # `updated_at`, which a re-render leaves alone) show the new HTML at once.
            invalidate_pages()
        self.stdout.write(f"{changed} post(s) re-rendered.")
