"""Creating, revoking and opening preview links: the one place their rules live.

    link = preview_link_create(post=post, user=writer, days=7)
    preview_link_revoke(link=link, user=writer)
    preview_link_open(token)  # the live link (its view counted), or None

Who may hand out a link is `blog.permissions.can_share_preview`; a link opens its post
for anyone holding it, until it expires or is revoked, or the post is deleted (the link
goes with it).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from blog import permissions
from blog.models import Post

from .models import DEFAULT_DAYS, EXPIRY_CHOICES, MAX_LIVE_LINKS, PreviewFeedback, PreviewLink

ALLOWED_DAYS = {days for days, _ in EXPIRY_CHOICES}
MAX_TOKEN_LENGTH = 64  # the column: a longer "token" is not one (no query for it)
FEEDBACK_PER_HOUR = 5  # per link and address (the cache's counter)
MAX_FEEDBACK = 50  # per link, stored: the bound that holds even when the cache is away


class PreviewLinkRefused(Exception):
    """The link cannot be made or changed; the message says why, for the writer."""


def preview_link_create(*, post: Post, user, days: int = DEFAULT_DAYS) -> PreviewLink:
    """A new link to `post`, live for `days` days (one of `EXPIRY_CHOICES`)."""
    if not permissions.can_share_preview(user, post):
        raise PreviewLinkRefused("Only the post's writer or an editor may share a preview.")
    if days not in ALLOWED_DAYS:
        raise PreviewLinkRefused("Pick how long the link works: 1 to 30 days.")
    if post.preview_links.live().count() >= MAX_LIVE_LINKS:
        raise PreviewLinkRefused(
            f"This post has {MAX_LIVE_LINKS} working preview links: revoke one first."
        )
    return PreviewLink.objects.create(
        post=post, created_by=user, expires_at=PreviewLink.expiry_for(days)
    )


def preview_link_revoke(*, link: PreviewLink, user) -> bool:
    """Stop `link` working now; False if it had already stopped."""
    if not permissions.can_share_preview(user, link.post):
        raise PreviewLinkRefused("Only the post's writer or an editor may revoke its links.")
    return bool(
        PreviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def preview_link_find(token: str) -> PreviewLink | None:
    """The live link with `token` and its post, without counting a view. None also when
    the post has expired: its expiry withdrew it from everyone, a link's holder included
    (a draft is shared to be read before it goes out, not after it was taken down)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = PreviewLink.objects.live().filter(token=token).select_related("post").first()
    if link is not None and link.post.state == Post.State.EXPIRED:
        return None
    return link


def preview_feedback_leave(
    *, link: PreviewLink, name: str, message: str, address: str
) -> PreviewFeedback:
    """Keep what a preview's reader wrote, for the writer; at most `FEEDBACK_PER_HOUR`
    per address and link, and `MAX_FEEDBACK` per link."""
    counter = f"preview-feedback:{link.pk}:{address}:{int(timezone.now().timestamp() // 3600)}"
    cache.add(counter, 0, timeout=3600)
    try:
        sent = cache.incr(counter)
    except ValueError:  # expired between add and incr
        sent = 1
    if sent is not None and sent > FEEDBACK_PER_HOUR:
        raise PreviewLinkRefused("You have sent a lot of feedback: try again in an hour.")
    if link.feedback.count() >= MAX_FEEDBACK:
        raise PreviewLinkRefused("This link has had all the feedback it can take.")
    return PreviewFeedback.objects.create(link=link, name=name, message=message)


def preview_link_open(token: str) -> PreviewLink | None:
    """The live link with `token` and its post (one query), its view counted (one UPDATE,
    `views + 1` in the database: two visitors at once both count); None for a token that
    is unknown, revoked or expired."""
    link = preview_link_find(token)
    if link is None:
        return None
    PreviewLink.objects.filter(pk=link.pk).update(
        views=F("views") + 1, last_viewed_at=timezone.now()
    )
    return link
