"""Who may read a post's body: the one rule (issue 31).

Whether a post is listed at all is `Post.objects.public()`'s alone. This decides only
whether the *body* is shown: a members-only post shows anyone its title and excerpt, and
its body to signed-in members (`request.member`, set by the `members` app's middleware,
which blog never imports) and to staff.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import Post


def reader_is_member(request: HttpRequest | None) -> bool:
    """A signed-in member, or staff (who read everything they may edit anyway)."""
    if request is None:
        return False
    if getattr(request, "member", None) is not None:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def may_read_body(post: Post, request: HttpRequest | None) -> bool:
    """True when `request`'s reader gets `post`'s body (None: an anonymous reader, as a
    feed or a sitemap is read)."""
    return post.audience == Post.Audience.EVERYONE or reader_is_member(request)
