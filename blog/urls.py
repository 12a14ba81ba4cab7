"""Reader-facing URLs: pages, archives, search, feeds and crawler files.

Feeds and sitemaps write absolute URLs from `get_current_site(request)`: `on_site_origin`
gives them the configured site origin instead of the request's Host (core/origin.py).
"""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from core.origin import on_site_origin
from pagecache.cache import cache_anonymous_page

from . import sitemaps
from .feeds import CategoryFeed, LatestPostsAtomFeed, LatestPostsFeed, TagFeed
from .sitemaps import SITEMAPS
from .views import crawlers, pages, search

app_name = "blog"


def feed(view):
    """A feed on the site origin, cached like a page: so nginx holds a copy it serves
    while the database is away, as it does for pages."""
    return on_site_origin(cache_anonymous_page(params=())(view))


urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("posts/", pages.PostIndexView.as_view(), name="posts"),
    path("posts/<slug:slug>/", pages.PostDetailView.as_view(), name="post"),
    path("category/<slug:slug>/", pages.CategoryView.as_view(), name="category"),
    path("category/<slug:slug>/feed/", feed(CategoryFeed()), name="category_feed"),
    path("tag/<slug:slug>/", pages.TagView.as_view(), name="tag"),
    path("tag/<slug:slug>/feed/", feed(TagFeed()), name="tag_feed"),
    # Any stored username reverses (even one from before accounts/usernames.py, with a
    # `/` in it); a NUL byte, which no database column holds, is a plain 404.
    re_path(r"^author/(?P<username>[^\x00]+)/$", pages.AuthorView.as_view(), name="author"),
    path("archive/", pages.ArchiveIndexView.as_view(), name="archive"),
    path("archive/<int:year>/<int:month>/", pages.MonthArchiveView.as_view(), name="month"),
    path("search/", search.search, name="search"),
    path("feed/", feed(LatestPostsFeed()), name="feed"),
    path("feed/atom/", feed(LatestPostsAtomFeed()), name="atom_feed"),
    path(
        "sitemap.xml",
        on_site_origin(cache_anonymous_page(params=())(sitemap_views.index)),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "blog:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        on_site_origin(cache_anonymous_page(params=("p",))(sitemaps.section)),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", crawlers.robots_txt, name="robots"),
    # Browsers ask for /favicon.ico on pages that name no icon (admin, API docs, files).
    path("favicon.ico", crawlers.favicon, name="favicon"),
]
