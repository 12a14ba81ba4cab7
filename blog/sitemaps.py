"""sitemap.xml: an index of sections (home, public posts, archives with public posts:
categories, tags, authors and months, plus the archive index).

Each section is paginated (`?p=2`) so that 100,000 posts stay within the protocol's
50,000 URLs per file and every response stays small.
"""

from django.contrib.auth import get_user_model
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import TruncMonth
from django.urls import reverse

from .models import Category, Post, Tag


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self) -> list[str]:
        return ["blog:home", "blog:archive"]

    def location(self, item: str) -> str:
        return reverse(item)


class PostSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return Post.objects.public().only("slug", "updated_at").order_by("-published_at", "-id")

    def location(self, post: Post) -> str:
        # One reverse() per file instead of one per URL: 5,000 reverses cost ~300 ms.
        if not hasattr(self, "_prefix"):
            self._prefix = reverse("blog:post", args=["-"]).removesuffix("-/")
        return f"{self._prefix}{post.slug}/"

    def lastmod(self, post: Post):
        return post.updated_at

    def get_latest_lastmod(self):
        # Django's default walks every item; one aggregate does the same.
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        has_public = Post.objects.public().filter(category=OuterRef("pk"))
        return Category.objects.filter(Exists(has_public)).order_by("name")


class TagSitemap(CategorySitemap):
    def items(self):
        has_public = Post.objects.public().filter(tags=OuterRef("pk"))
        return Tag.objects.filter(Exists(has_public)).order_by("name")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        has_public = Post.objects.public().filter(author=OuterRef("pk"))
        return get_user_model().objects.filter(Exists(has_public)).order_by("username")

    def location(self, user) -> str:
        return reverse("blog:author", args=[user.username])


class MonthSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return list(
            Post.objects.public()
            .annotate(month=TruncMonth("published_at"))
            .values_list("month", flat=True)
            .distinct()
            .order_by("-month")
        )

    def location(self, month) -> str:
        return reverse("blog:month", args=[month.year, month.month])


SITEMAPS = {
    "home": HomeSitemap,
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "months": MonthSitemap,
}
