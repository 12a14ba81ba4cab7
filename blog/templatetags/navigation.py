"""`{% nav_categories as categories %}`: the header's category menu.

Categories with public posts, most posts first (ties by name), at most `MENU_SIZE`: one
query, only on pages whose layout shows the menu.
"""

from django import template
from django.db.models import Count, IntegerField, OuterRef, Subquery

from blog.models import Category, Post

MENU_SIZE = 8

register = template.Library()


@register.simple_tag
def nav_categories() -> list[Category]:
    public_count = (
        Post.objects.public()
        .filter(category=OuterRef("pk"))
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Category.objects.annotate(public_posts=Subquery(public_count, output_field=IntegerField()))
        .filter(public_posts__gt=0)
        .order_by("-public_posts", "name")
        .only("name", "slug")[:MENU_SIZE]
    )
