"""The thread under a post, rendered: for an anonymous reader (a kept piece of the post
page) or for one signed-in member (their form, their waiting comments, edit links).

The queries are fixed whatever the number of comments: the post with its discussion's
mode (`policy.thread_post`), its comments (`selectors.post_thread`), and the site's
rules when not in the cache (`policy.policy`).
"""

from __future__ import annotations

from urllib.parse import quote
from uuid import uuid4

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone

from blog.audience import may_read_body
from blog.models import Post

from .forms import MARKDOWN_HINT, rendered_stamp
from .policy import comments_open, comments_shown, thread_post
from .selectors import post_thread
from .services import can_edit

SIGN_IN_PATH = "/members/signin/"  # the members app's pages (issue 31)
SIGN_UP_PATH = "/members/"  # the sign-up form
PIECE = "comments"  # its name among the post page's pieces


def sign_in_url(next_path: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(next_path, safe='/')}"


def sign_up_url(next_path: str) -> str:
    """The sign-up form, whose confirmation link brings the new member back here."""
    return f"{SIGN_UP_PATH}?next={quote(next_path, safe='/')}"


def thread_version_key(slug: str) -> str:
    """The cache key of the version of the thread under the post at `slug`: replaced after
    every commit that changes what readers see of it (`new_thread_version`). The post page
    reads it with its pieces and shows a kept thread only while it names the current one
    (`blog.fragments.register_page_piece`)."""
    return f"comments:thread-version:{slug}"


def new_thread_version(slug: str) -> None:
    """Retire every kept copy of the thread under `slug`, those still being rendered too."""
    cache.set(thread_version_key(slug), uuid4().hex, timeout=None)


def public_thread(post: Post) -> str:
    """The thread as an anonymous reader sees it (kept with the post page's pieces)."""
    return render_thread(post, None)


def render_thread(post: Post, request: HttpRequest | None) -> str:
    """The thread under `post` for `request`'s reader (None: anonymous); "" when it is
    not shown (comments off or hidden, the post not public, a body they may not read)."""
    member = getattr(request, "member", None)
    row = thread_post(post.pk, member.pk if member is not None else None)
    if row is None or not row.is_public or not comments_shown(row):
        return ""
    if not may_read_body(row, request):
        return ""
    thread = post_thread(row, member=member)
    now = timezone.now()
    for comment in thread.comments:
        for shown in (comment, *comment.shown_replies):
            shown.own = member is not None and shown.member_id == member.pk
            shown.editable = can_edit(shown, member, now)
    context = {
        "post": row,
        "thread": thread,
        "open": comments_open(row),
        "member": member,
        "banned": getattr(row, "member_banned", False),
        "hint": MARKDOWN_HINT,
        "sign_in_url": sign_in_url(row.get_absolute_url() + "#comments"),
        "sign_up_url": sign_up_url(row.get_absolute_url() + "#comments"),
    }
    if member is not None:
        context |= {"csrf_token": get_token(request), "rendered": rendered_stamp()}
    return render_to_string("comments/_thread.html", context)
