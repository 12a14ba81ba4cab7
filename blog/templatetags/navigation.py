"""`{% nav_categories as categories %}`: the header's category menu.

Categories with public posts, most posts first (ties by name), at most `MENU_SIZE`: one
query, only on pages whose layout shows the menu, and then kept in the cache under the
page cache's generation (blog/cache.py): every page rendered until the next save or
publish sweep reuses it (one Redis round trip instead of counting every public post).
"""

from django import template
from django.core.cache import cache
from django.db.models import Count, IntegerField, OuterRef, Subquery

from blog.cache import with_generation
from blog.models import Category, Post

MENU_SIZE = 8
CACHE_KEY = "nav:categories"
# A scheduled post going public changes the counts without a save; the publish sweep
# bumps the generation within a minute, and this bounds it without the sweep.
CACHE_SECONDS = 60

register = template.Library()


@register.simple_tag
def nav_categories() -> list[Category]:
    generation, kept = with_generation(CACHE_KEY)
    if kept is not None and kept["generation"] == generation:
        return kept["categories"]
    categories = _menu()
    kept = {"generation": generation, "categories": categories}
    cache.set(CACHE_KEY, kept, timeout=CACHE_SECONDS)
    return categories


def _menu() -> list[Category]:
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
