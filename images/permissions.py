"""Who may do what with library images: the one rule the admin and the API share.

Built on the roles of `blog.permissions`: every writer (Contributor and up) uploads and
uses any library image; the uploader or an editor edits its texts; only editors delete,
since one image may illustrate other people's posts.
"""

from __future__ import annotations

from blog import permissions as blog_permissions

from .models import Image


def can_use(user) -> bool:
    """May `user` browse the library and upload to it?"""
    return blog_permissions.is_writer(user)


def can_change(user, image: Image) -> bool:
    if blog_permissions.is_editor(user):
        return True
    return can_use(user) and image.uploaded_by_id == user.pk


def can_delete(user, image: Image | None = None) -> bool:
    return blog_permissions.is_editor(user)
