"""`{% nav_categories as categories %}`: the header's category menu.

Categories with public posts, most posts first (ties by name), at most `MENU_SIZE`: one
query, only on pages whose layout shows the menu, and kept until the content changes
(`blog.counts`): it counts every public post.
"""

from django import template
from django.db.models import Count, F, IntegerField, OuterRef, Subquery

from blog.counts import remember
from blog.models import Category, Post

MENU_SIZE = 8

register = template.Library()


@register.simple_tag
def nav_categories() -> list[Category]:
    return remember("nav-categories", _busiest_categories)


def _busiest_categories() -> list[Category]:
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
