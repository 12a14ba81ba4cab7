"""The site's comment rules and what they mean for one post.

    from comments.policy import policy, comments_open, comments_shown
    policy().first_comment_needs_approval
    comments_open(post)   # may a member post a comment under it now?
    comments_shown(post)  # are its comments shown at all?

`policy()` is the one `CommentPolicy` row (pk=1), or its defaults while no one saved
it (a read never writes), kept in the shared cache (`POLICY_KEY`) so that a page built
from scratch pays one cache read for it, not a query. Saving the row forgets the copy
and retires cached pages (`comments.signals`); `POLICY_SECONDS` bounds any write no
signal announces (a queryset `update()` from the shell).

A post's discussion is its `Discussion` row's mode, or open when it has none. A post
read with `thread_post()` carries the mode as `discussion_mode` (one query for the post
and its mode), so the rules below cost no query for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Exists, F
from django.utils import timezone

from blog.models import Post

from .models import CommentBan, CommentPolicy, Discussion

POLICY_KEY = "comments:policy"
POLICY_SECONDS = 300
# What a post page's thread needs to know about its post, read in one query.
THREAD_POST_FIELDS = (
    "id", "slug", "kind", "status", "published_at", "expires_at", "first_public_at",
    "audience", "author_id",
)  # fmt: skip


def policy() -> CommentPolicy:
    """The site's comment rules (one cache read; a query only when not cached)."""
    found = cache.get(POLICY_KEY)
    if not isinstance(found, CommentPolicy):
        # A read never writes: with no row yet, the defaults (the admin saves pk=1).
        found = CommentPolicy.objects.filter(pk=1).first() or CommentPolicy(pk=1)
        cache.set(POLICY_KEY, found, timeout=POLICY_SECONDS)
    return found


def forget_policy() -> None:
    cache.delete(POLICY_KEY)


def thread_post(post_id: int, member_id: int | None = None) -> Post | None:
    """The post `post_id`, with what the rules and the thread read (and its discussion's
    mode as `discussion_mode`), in one query; None when there is no such post. With
    `member_id`, the same query also says whether that member is banned from commenting
    (`member_banned`): their thread shows no form then, at no extra query."""
    posts = Post.objects.only(*THREAD_POST_FIELDS).annotate(discussion_mode=F("discussion__mode"))
    if member_id is not None:
        posts = posts.annotate(member_banned=Exists(CommentBan.objects.filter(member_id=member_id)))
    return posts.filter(pk=post_id).first()


def discussion_mode(post: Post) -> str:
    """Open, closed or hidden: the post's own choice (open when it made none)."""
    if hasattr(post, "discussion_mode"):
        mode = post.discussion_mode
    else:
        mode = Discussion.objects.filter(post_id=post.pk).values_list("mode", flat=True).first()
    return mode or Discussion.Mode.OPEN


def closes_at(post: Post, rules: CommentPolicy | None = None) -> datetime | None:
    """When the site's "close after N days" closes `post`'s comments (None: never)."""
    rules = rules or policy()
    went_public = post.first_public_at or post.published_at
    if not rules.close_after_days or went_public is None:
        return None
    return went_public + timedelta(days=rules.close_after_days)


def comments_shown(post: Post) -> bool:
    """Are `post`'s comments shown? Not when the site turned comments off, nor when the
    post hides its discussion."""
    return policy().enabled and discussion_mode(post) != Discussion.Mode.HIDDEN


def comments_open(post: Post) -> bool:
    """May a member comment on `post` now? Comments on for the site, the post public and
    its discussion open, and not past the site's "close after N days" since it went
    public."""
    rules = policy()
    if not rules.enabled or not post.is_public:
        return False
    if discussion_mode(post) != Discussion.Mode.OPEN:
        return False
    closing = closes_at(post, rules)
    return closing is None or timezone.now() < closing
