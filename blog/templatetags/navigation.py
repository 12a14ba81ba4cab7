"""`{% category_menu %}`: the header's category menu.

Categories with public posts, most posts first (ties by name), at most `MENU_SIZE`: one
query, only on pages whose layout shows the menu, and kept rendered until the content
changes (`blog.fragments.category_menu`): it counts every public post.
"""

from django import template
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.utils.safestring import SafeString

from blog.models import Category, Post

MENU_SIZE = 8

register = template.Library()


@register.simple_tag(takes_context=True)
def category_menu(context) -> SafeString:
    """The menu the view read with its page's other pieces (`menu`), or kept alone."""
    if (menu := context.get("menu")) is not None:
        return menu
    from blog.fragments import category_menu  # fragments render templates that load this

    return category_menu()


def busiest_categories() -> list[Category]:
    """Up to `MENU_SIZE` categories with public posts, most posts first."""
    # COUNT(*), not COUNT(id): an index-only scan of (category, status, published_at).
    public_count = (
        Post.objects.public()
        .filter(category=OuterRef("pk"))
        .order_by()
        .values("category")
        .annotate(n=Count("*"))
        .values("n")
    )
    busiest = (
        Category.objects.annotate(public_posts=Subquery(public_count, output_field=IntegerField()))
        .order_by(F("public_posts").desc(nulls_last=True), "name")
        .only("name", "slug")[:MENU_SIZE]
    )
    # Sorted by count: those without public posts come last; leaving them out here counts
    # each category once (a filter on the annotation would count them all twice).
    return [category for category in busiest if category.public_posts]
