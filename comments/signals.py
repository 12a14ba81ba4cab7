"""What the comments app keeps in step when comments change: cached pages.

A comment that becomes visible, is edited while visible, or leaves readers' sight
changes one page, its post's: after the commit, that post's kept thread (a piece of its
page, `blog.fragments.forget_page_piece`) and the page's cached entry
(`pagecache.cache.forget_page`) are forgotten, and every other cached page and piece
stays. Anonymous readers so see it on the next request to the app; nginx's micro-cache
may answer for its few seconds more (docs/comments.md, "Readers and members").

A reader whose page build read the thread just before the commit may store that old
thread after the forget: the thread's version, replaced too (`thread.new_thread_version`),
makes that copy dead (the piece is kept with the version read before it was rendered,
and shown only while that is the current one: `blog.fragments.register_page_piece`).

The site's rules and a post's discussion mode are settings rows edited in the admin:
saving the rules forgets their cached copy and retires cached pages (the thread's form
or sign-in link shows on every post); saving a post's mode forgets that post's page.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from blog import extras
from blog.fragments import forget_page_piece
from blog.models import Post
from pagecache.cache import forget_page, invalidate_pages

from .counts import COUNTS_VERSION_KEY
from .events import comment_approved, comment_edited, comment_removed
from .models import Comment, CommentPolicy, Discussion
from .policy import forget_policy
from .thread import PIECE, new_thread_version


def forget_post_page(post_id: int) -> None:
    """After the commit: forget the kept thread and the cached page of post `post_id`."""

    def forget() -> None:
        extras.new_version(COUNTS_VERSION_KEY)  # listings kept with its counts: rebuilt
        post = Post.objects.only("id", "slug").filter(pk=post_id).first()
        if post is not None:
            new_thread_version(post.slug)  # a render in flight keeps a dead copy
            forget_page_piece(PIECE, post.slug)
            forget_page(post.get_absolute_url())

    transaction.on_commit(forget)


@receiver(comment_approved)
@receiver(comment_edited)
@receiver(comment_removed)
def thread_changed(sender: Any, comment: Comment, **kwargs: Any) -> None:
    forget_post_page(comment.post_id)


@receiver(post_save, sender=CommentPolicy)
@receiver(post_delete, sender=CommentPolicy)
def rules_changed(sender: Any, **kwargs: Any) -> None:
    forget_policy()
    transaction.on_commit(partial(invalidate_pages, shared=False))


@receiver(post_save, sender=Discussion)
@receiver(post_delete, sender=Discussion)
def discussion_changed(sender: Any, instance: Discussion, **kwargs: Any) -> None:
    forget_post_page(instance.post_id)
