"""`{% load comments %}{% comment_thread post %}`: the comments under a post page.

Rendered around the post's cached pieces on every uncached build of the page (so a
signed-in member, never served from the page cache, always sees the thread as it is):
the thread in a fixed number of queries (`comments.selectors.post_thread`), the form
for a signed-in member, a sign-in link for anyone else. For an anonymous reader the
page, thread included, is what the page cache keeps; `comments.signals` forgets that one
page when its thread changes.
"""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.utils import timezone

from blog.audience import may_read_body

from ..forms import MARKDOWN_HINT, rendered_stamp
from ..policy import comments_open, comments_shown, thread_post
from ..selectors import post_thread
from ..services import can_edit

register = template.Library()

SIGN_IN_PATH = "/members/signin/"  # the members app's page (issue 31)
SIGN_UP_PATH = "/members/signup/"


@register.inclusion_tag("comments/_thread.html", takes_context=True)
def comment_thread(context: template.Context, post) -> dict:
    request = context.get("request")
    member = getattr(request, "member", None)
    row = thread_post(post.pk)
    if (
        row is None
        or not row.is_public
        or not comments_shown(row)
        or not may_read_body(row, request)
    ):
        return {"shown": False}
    thread = post_thread(row, member=member)
    now = timezone.now()
    for comment in thread.comments:
        for shown in (comment, *comment.shown_replies):
            shown.own = member is not None and shown.member_id == member.pk
            shown.editable = can_edit(shown, member, now)
    post_url = row.get_absolute_url()
    return {
        "shown": True,
        "post": row,
        "thread": thread,
        "open": comments_open(row),
        "member": member,
        "csrf_token": context.get("csrf_token"),
        "rendered": rendered_stamp() if member is not None else "",
        "hint": MARKDOWN_HINT,
        "sign_in_url": f"{SIGN_IN_PATH}?next={quote(post_url + '#comments', safe='/')}",
        "sign_up_url": SIGN_UP_PATH,
    }


@register.inclusion_tag("comments/_comment.html")
def comment_entry(comment, reply: bool = False) -> dict:
    return {"comment": comment, "reply": reply}
