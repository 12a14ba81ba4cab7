"""`{% comments_waiting as n %}`: comments waiting for approval that the user may
moderate (None for who moderates nothing): the count on the admin home."""

from django import template

from comments import permissions
from comments.models import Comment

register = template.Library()


@register.simple_tag(takes_context=True)
def comments_waiting(context) -> int | None:
    user = context["request"].user
    if not permissions.may_moderate_some(user):
        return None
    return permissions.moderated_comments(user).filter(status=Comment.Status.PENDING).count()
