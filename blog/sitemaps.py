"""sitemap.xml: the home page, public posts, and archives that have public posts."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Category, Post, Tag


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self) -> list[str]:
        return ["blog:home"]

    def location(self, item: str) -> str:
        return reverse(item)


class PostSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return Post.objects.public().only("slug", "updated_at").order_by("-published_at", "-id")

    def lastmod(self, post: Post):
        return post.updated_at


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        public = Post.objects.public()
        return Category.objects.filter(posts__in=public).distinct().order_by("name")


class TagSitemap(CategorySitemap):
    def items(self):
        public = Post.objects.public()
        return Tag.objects.filter(posts__in=public).distinct().order_by("name")


SITEMAPS = {
    "home": HomeSitemap,
    "posts": PostSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
}
