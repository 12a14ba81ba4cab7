"""Pages: About, Contact, Imprint — at the site root, outside feeds and post listings.

A page is a row of the posts' table with `kind="page"` (`Page`, a proxy of `blog.Post`):
the same write service and domain events, Markdown pipeline, slugs, revisions, autosave,
review, preview and per-object permissions, and `Page.objects.public()` is the one
visibility rule. `Post.objects` leaves pages out, so no listing of posts shows them.
"""

from __future__ import annotations

from blog.models import Post, PostManager


class PageManager(PostManager):
    kind = Post.Kind.PAGE


class Page(Post):
    objects = PageManager()

    class Meta:
        proxy = True
        # A proxy would otherwise inherit the posts' ordering: newest first.
        ordering = ["title", "id"]

    def __init__(self, *args, **kwargs) -> None:
        # A new page (keyword arguments) is a page; a row read from the database
        # (positional values) keeps the kind it has.
        if not args:
            kwargs.setdefault("kind", Post.Kind.PAGE)
        super().__init__(*args, **kwargs)
