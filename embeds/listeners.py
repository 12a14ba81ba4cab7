"""Post writes → embeds to fetch (blog's domain events; blog never imports this app).

In the write's transaction: a row for each new lone URL of the written bodies (the
record before the fetch), then, once committed, one task for the rows not fetched yet.
A later save of the same post finds its embeds fetched and sends nothing.
"""

from __future__ import annotations

from core.tasks import enqueue_on_commit

from .body import to_fetch
from .models import Embed


def posts_written(sender, posts, **kwargs) -> None:
    """`post_created` / `post_updated`: fetch, in the worker, what the bodies embed."""
    urls = {url for post in posts for url in to_fetch(getattr(post, "body_html", "") or "")}
    if not urls:
        return
    Embed.objects.bulk_create([Embed(url=url) for url in urls], ignore_conflicts=True)
    pending = list(
        Embed.objects.filter(url__in=urls, fetched_at__isnull=True).values_list("pk", flat=True)
    )
    if pending:
        from .tasks import fetch_embeds  # the task module imports the services

        enqueue_on_commit(fetch_embeds, sorted(pending))
