"""Comment events for webhooks, from the comments app's domain signals
(`comments.events`):

- comment.created: a member posted a comment, whatever its status (pending or approved at
  once), so an integration can run its own checks or tell a moderator;
- comment.approved: a comment became visible to readers, at once (a trusted member) or
  by a moderator.

The payload's `comment` has `id`, `post` (`id`, `url`), `parent` (the comment replied to,
or null), `author_name`, `status`, `created_at` and `sequence` (as for posts: it grows
with every event of the comment). Never the author's e-mail or address: a webhook
receiver is another server, not a moderator. Imported comments send no event (old news,
like imported posts).

Deliveries are rows written in the comment's transaction (`dispatch`), sent after its
commit; with no endpoint the cost is one `exists()` query.
"""

from __future__ import annotations

from django.dispatch import receiver
from rest_framework.fields import DateTimeField

from comments.events import comment_approved, comment_created
from comments.models import Comment
from core.origin import site_url

from .models import Endpoint, Event
from .services import dispatch
from .signals import sequence

_api_time = DateTimeField().to_representation


def comment_data(comment: Comment) -> dict:
    post = comment.post
    return {
        "comment": {
            "id": comment.pk,
            "post": {"id": post.pk, "url": site_url(post.get_absolute_url())},
            "parent": comment.parent_id,
            "author_name": comment.author_name,
            "status": comment.status,
            "created_at": _api_time(comment.created_at),
            "sequence": sequence(),
        }
    }


@receiver(comment_created, dispatch_uid="webhooks-comment-created")
def created(sender, comment: Comment, **kwargs) -> None:
    if Endpoint.objects.exists():
        dispatch(event=Event.COMMENT_CREATED, data=comment_data(comment))


@receiver(comment_approved, dispatch_uid="webhooks-comment-approved")
def approved(sender, comment: Comment, **kwargs) -> None:
    if Endpoint.objects.exists():
        dispatch(event=Event.COMMENT_APPROVED, data=comment_data(comment))
