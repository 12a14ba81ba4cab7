"""Reader-facing URLs: pages, archives, search, feeds and crawler files."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from . import sitemaps
from .cache import cache_anonymous_page
from .feeds import CategoryFeed, LatestPostsAtomFeed, LatestPostsFeed, TagFeed
from .sitemaps import SITEMAPS
from .views import crawlers, pages, search

app_name = "blog"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("posts/<slug:slug>/", pages.PostDetailView.as_view(), name="post"),
    path("category/<slug:slug>/", pages.CategoryView.as_view(), name="category"),
    path("category/<slug:slug>/feed/", CategoryFeed(), name="category_feed"),
    path("tag/<slug:slug>/", pages.TagView.as_view(), name="tag"),
    path("tag/<slug:slug>/feed/", TagFeed(), name="tag_feed"),
    # Django's username characters only: anything else (a NUL byte, say) is a plain 404.
    re_path(r"^author/(?P<username>[\w.@+-]+)/$", pages.AuthorView.as_view(), name="author"),
    path("archive/<int:year>/<int:month>/", pages.MonthArchiveView.as_view(), name="month"),
    path("search/", search.search, name="search"),
    path("feed/", LatestPostsFeed(), name="feed"),
    path("feed/atom/", LatestPostsAtomFeed(), name="atom_feed"),
    path(
        "sitemap.xml",
        cache_anonymous_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "blog:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_anonymous_page(sitemaps.section),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", crawlers.robots_txt, name="robots"),
]
