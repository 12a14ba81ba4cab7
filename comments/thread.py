"""The thread under a post, rendered: for an anonymous reader (a kept piece of the post
page) or for one signed-in member (their form, their waiting comments, edit links).

The queries are fixed whatever the number of comments: the post with its discussion's
mode (`policy.thread_post`), its comments (`selectors.post_thread`), and the site's
rules when not in the cache (`policy.policy`).
"""

from __future__ import annotations

import re
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
SIGN_UP_PATH = "/members/signup/"
PIECE = "comments"  # its name among the post page's pieces


def sign_in_url(next_path: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(next_path, safe='/')}"


# The version of a post's thread: a token replaced after every commit that changes what
# readers see of it (`comments.signals.forget_post_page`). The kept piece names the
# version it was rendered under; a piece naming an older one is never shown again.
_VERSION_KEY = "comments:thread-version:{}"
_MARK = "<!-- comments-thread {} -->"
_MARKED = re.compile(r"<!-- comments-thread ([0-9a-f]+) -->")


def thread_version(post_id: int) -> str:
    """The current version of post `post_id`'s thread (made on first use; with the cache
    down, a new one each time: nothing kept matches it)."""
    key = _VERSION_KEY.format(post_id)
    version = cache.get(key)
    if version is None:
        fresh = uuid4().hex
        version = fresh if cache.add(key, fresh, timeout=None) else (cache.get(key) or fresh)
    return version


def new_thread_version(post_id: int) -> None:
    """Retire every kept copy of post `post_id`'s thread, those still being rendered too."""
    cache.set(_VERSION_KEY.format(post_id), uuid4().hex, timeout=None)


def public_thread(post: Post) -> str:
    """The thread as an anonymous reader sees it (kept with the post page's pieces),
    marked with the version it was read under: read before the comments are, so that a
    change committed while it renders makes this copy stale (`kept_thread_is_current`)."""
    version = thread_version(post.pk)
    return _MARK.format(version) + render_thread(post, None)


def kept_thread_is_current(post: Post, kept: str) -> bool:
    """Was the kept piece `kept` rendered under the thread's current version? A reader's
    render that read the comments just before an approval's commit, and stored its piece
    just after the approval forgot the old one, left a piece naming the old version."""
    marked = _MARKED.match(kept)
    return marked is not None and marked.group(1) == thread_version(post.pk)


def render_thread(post: Post, request: HttpRequest | None) -> str:
    """The thread under `post` for `request`'s reader (None: anonymous); "" when it is
    not shown (comments off or hidden, the post not public, a body they may not read)."""
    member = getattr(request, "member", None)
    row = thread_post(post.pk)
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
        "hint": MARKDOWN_HINT,
        "sign_in_url": sign_in_url(row.get_absolute_url() + "#comments"),
        "sign_up_url": SIGN_UP_PATH,
    }
    if member is not None:
        context |= {"csrf_token": get_token(request), "rendered": rendered_stamp()}
    return render_to_string("comments/_thread.html", context)
