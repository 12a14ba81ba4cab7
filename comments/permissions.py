"""Who may moderate which comment: the one rule the admin (and the API) share.

- Editors (``blog.edit_any_post``) moderate every comment.
- Authors moderate the comments on posts they may change (`blog.permissions.can_change`:
  the posts they lead or co-author), and only with ``comments.change_comment`` (the
  Author and Editor roles hold it, `accounts.roles`).
- Contributors moderate nothing: they lack ``comments.change_comment``.

Site-wide comment rules (settings, blocklist, bans) are editors' (their own model
permissions, held by the Editor role).
"""

from __future__ import annotations

from django.db.models import QuerySet

from blog import permissions as post_permissions
from blog.models import Post

from .models import Comment

MODERATE = "comments.change_comment"


def may_moderate_some(user) -> bool:
    """May `user` moderate any comment at all (see the queue)?"""
    return bool(user.is_authenticated and user.is_active and user.has_perm(MODERATE))


def can_moderate_post(user, post: Post) -> bool:
    """May `user` approve, mark as spam or remove the comments on `post`?"""
    return may_moderate_some(user) and post_permissions.can_change(user, post)


def can_moderate(user, comment: Comment) -> bool:
    return can_moderate_post(user, comment.post)


def moderated_comments(user, queryset: QuerySet[Comment] | None = None) -> QuerySet[Comment]:
    """The comments `user` may moderate: all for editors, those on their own posts for
    authors, none for anyone else."""
    queryset = Comment.objects.all() if queryset is None else queryset
    if not may_moderate_some(user):
        return queryset.none()
    if post_permissions.is_editor(user):
        return queryset
    own = post_permissions.own_or_all_posts(user, Post.all_kinds.all())
    return queryset.filter(post__in=own.values("pk"))
