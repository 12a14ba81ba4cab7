"""`{% category_menu %}`: the header's category menu.

Categories with public posts, most posts first (`blog.selectors.busiest_categories`):
one query, only on pages whose layout shows the menu, and cached rendered until the
content changes (`blog.fragments.category_menu`): it counts every public post.
"""

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def category_menu(context) -> SafeString:
    """The menu the view read with its page's other pieces (`menu`), or cached alone."""
    if (menu := context.get("menu")) is not None:
        return menu
    from blog.fragments import category_menu  # fragments render templates that load this

    return category_menu()
