"""DRF permission classes; every decision is delegated to `blog.permissions`.

Which posts a user can see at all is decided by the viewset's queryset
(`blog.permissions.visible_posts`): what they may not see is a 404. These classes decide
what they may do with what they see: a 403.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from .. import permissions


class PostPermission(BasePermission):
    """Anyone reads; writers create; changes and deletes per object, as in the admin."""

    message = "You may not change this post."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False  # 401: say who you are before changing anything
        return request.method != "POST" or permissions.is_writer(request.user)

    def has_object_permission(self, request, view, post) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return permissions.can_delete(request.user, post)
        return permissions.can_change(request.user, post)
