"""The readers' templates' helpers from `comments` (core/jinja2.py collects them).

`{{ comment_thread(post, pieces.comments) }}`: the comments under a post page. An
anonymous reader's thread is a piece of the post page (`comments.thread.public_thread`,
registered with `blog.fragments.register_page_piece`): kept with the page's own pieces,
read in the same round trip, retired for that one post when its thread changes
(`comments.signals`). A signed-in member (or staff) gets it rendered for them on every
request, with their form, their comments waiting for approval and their edit links:
their pages are never page-cached.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe
from jinja2 import pass_context
from jinja2.runtime import Context

from blog.audience import reader_is_member

from .thread import render_thread


@pass_context
def comment_thread(context: Context, post, kept: str | None = None) -> SafeString:
    request = context.get("request")
    if kept is not None and not reader_is_member(request):
        return mark_safe(kept)  # noqa: S308 - our template, rendered for anyone
    return mark_safe(render_thread(post, request))  # noqa: S308


GLOBALS = {"comment_thread": comment_thread}
