"""A member's personal data in comments: forgotten when their account is deleted, and
part of their "export my data" (docs/comments.md, "A member's data").

When a member is deleted (`members.events.member_deleted`, sent inside the deleting
transaction while the row is still there) their comments **stay**, so that a thread and
the replies to them keep their sense, but nothing in them names the person any more:

- `author_name` becomes `DELETED_NAME` ("Deleted member"), `author_email` and
  `client_ip` are blanked; the comment's `member` is set to NULL by the row's deletion
  (`on_delete=SET_NULL`); their words stay as they were published;
- the notification records addressed to them (`CommentNotice`, reply mails) and their
  reply-mail opt-out (`ReplyOptOut`) are deleted; a ban goes with the row (CASCADE), and
  the moderation log keeps its entries without the member (SET_NULL);
- the kept threads of the posts they commented on are forgotten after the commit
  (`comments.signals.forget_post_page`), so the new name shows at once.

A member who wants their words gone too deletes their comments first (any time, from
each comment's *Delete*), or asks an editor to remove them.

`member_data_requested` (members' "export my data") gets the `comments` section: every
comment they wrote, in any state, with what we keep about it (address and client address
included: it is theirs), and `comment_settings` (reply mail off, banned since: never the
moderators' reason, as the members app leaves out the editors' note).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from core.origin import site_url
from members.events import member_data_requested, member_deleted
from members.models import Member

from .models import Comment, CommentBan, CommentNotice, ReplyOptOut
from .signals import forget_post_page

DELETED_NAME = "Deleted member"


@receiver(member_deleted, dispatch_uid="comments.privacy.forget_member")
def forget_member(sender: Any, member: Member, **kwargs: Any) -> None:
    """Take `member`'s name, address and client addresses out of their comments, and
    delete the comment mail records about them (see the module's docstring)."""
    theirs = Comment.objects.filter(member=member)
    post_ids = set(theirs.values_list("post_id", flat=True).distinct())
    theirs.update(author_name=DELETED_NAME, author_email="", client_ip=None)
    CommentNotice.objects.filter(email=member.email.strip().lower()).delete()
    ReplyOptOut.objects.filter(member=member).delete()
    for post_id in sorted(post_ids):
        forget_post_page(post_id)


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


@receiver(member_data_requested, dispatch_uid="comments.privacy.export")
def member_comments(sender: Any, member: Member, **kwargs: Any) -> dict:
    """The sections "export my data" gets from comments."""
    comments = Comment.objects.filter(member=member).select_related("post").order_by("pk")
    opt_out = ReplyOptOut.objects.filter(member=member).first()
    ban = CommentBan.objects.filter(member=member).first()
    return {
        "comments": [
            {
                "id": comment.pk,
                "post": comment.post.title,
                "url": site_url(f"{comment.post.get_absolute_url()}#comment-{comment.pk}"),
                "reply_to": comment.parent_id,
                "status": comment.status,
                "body": comment.body,
                "author_name": comment.author_name,
                "author_email": comment.author_email,
                "client_ip": comment.client_ip,
                "created_at": _when(comment.created_at),
                "edited_at": _when(comment.edited_at),
                "approved_at": _when(comment.approved_at),
            }
            for comment in comments
        ],
        "comment_settings": {
            "reply_mail_off_since": _when(opt_out.created_at) if opt_out else None,
            "banned_since": _when(ban.created_at) if ban else None,
        },
    }
