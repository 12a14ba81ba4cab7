"""What editorial does on a post's domain events (`blog.events`): revisions for writes
made outside the admin and the API, and the editors told when a writer submits a post.

**Revisions.**
Admin and API writes run inside a revision block (`editorial.middleware`), which records
them with their user. Every other write through `blog.services` reaches this module as
a domain event (`blog.events`: one per write, or one per import batch): its posts get a
revision when the transaction commits, so the revision holds the tags the write set
too, and a rolled-back write leaves none. An import batch makes one revision holding
a version of each post.

**Review.** A write by a person that puts a post in review (the admin's "Submit for
review", or the API's `status`) tells the editors after the commit (`editorial.review`).
Writes without a person (an import, the shell) tell no one: a site moving in with 40
posts waiting must not send 40 mails.
"""

import threading

import reversion
from django.db import transaction
from django.dispatch import receiver

from blog.events import post_created, post_updated
from blog.models import Post, PostSnapshot

from . import review

COMMENT = "Saved outside the admin and the API"
_CHUNK = 500  # posts per revision when a whole import commits at once

_pending = threading.local()


def _flush() -> None:
    ids = sorted(getattr(_pending, "ids", set()))
    _pending.ids = set()
    for start in range(0, len(ids), _CHUNK):
        with reversion.create_revision():
            for post in Post.all_kinds.filter(pk__in=ids[start : start + _CHUNK]):
                reversion.add_to_revision(post)
            reversion.set_comment(COMMENT)


def _revision_on_commit(post_ids: list[int]) -> None:
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(post_ids)  # first, since in autocommit mode on_commit runs at once
    # Every call registers a flush (a rolled-back transaction drops its callbacks, so no
    # flag may say one is pending); the first flush of a commit takes all ids, the rest
    # find none.
    transaction.on_commit(_flush)


@receiver(post_created, sender=Post)
@receiver(post_updated, sender=Post)
def posts_written(sender, posts: list[Post], **kwargs) -> None:
    if not reversion.is_active():
        _revision_on_commit([post.pk for post in posts])


@receiver(post_created, sender=Post)
@receiver(post_updated, sender=Post)
def posts_submitted(
    sender, posts: list[Post], user=None, before: dict[int, PostSnapshot] | None = None, **kwargs
) -> None:
    if user is None:
        return
    for post in posts:
        was = (before or {}).get(post.pk)
        entered = was is None or was.status != Post.Status.REVIEW
        if post.status == Post.Status.REVIEW and entered:
            review.review_submitted(post=post)
