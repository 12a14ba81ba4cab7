"""`{% waiting_for_review as n %}`: how many posts wait for a reviewer (None for others)."""

from django import template

from blog import permissions
from blog.models import Post

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_for_review(context) -> int | None:
    user = context["request"].user
    if not permissions.can_review(user):
        return None
    return Post.all_kinds.in_review().count()
