"""A post going public creates its newsletter issue (once ever) and queues its sending.

`blog.sweep` sends `post_went_public` inside its claiming transaction, whether the post
went public at an editor's click (`post_announce` right after the save) or by the clock
(the sweep, every minute, however long beat or the worker were away). The issue is
written in that transaction, so a post is announced if and only if its issue exists; the
send task goes after the commit. In-process (`make run`, no worker) the request only lists
the recipients: the in-process schedule sends, a batch per tick (`newsletters.tasks`).
"""

from __future__ import annotations

from django.dispatch import receiver

from blog.events import post_went_public
from blog.models import Post

from .sending import issue_for_post, list_recipients
from .tasks import in_process, start_sending


@receiver(post_went_public, sender=Post, dispatch_uid="newsletters.email_posts")
def email_posts_that_went_public(sender, post_ids, **kwargs) -> None:
    """An issue for each public post with an active per-post newsletter chosen; a
    re-publish finds the post's issue already there and sends nothing."""
    posts = (
        Post.objects.public()
        .filter(pk__in=post_ids, newsletter__isnull=False, newsletter_issue__isnull=True)
        .select_related("newsletter")
    )
    for post in posts:
        issue, created = issue_for_post(post)
        if not created:
            continue
        if in_process():
            list_recipients(issue)  # nothing is sent inside the editor's request
        else:
            start_sending(issue.pk)
