from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Blog"

    def ready(self) -> None:
        from core import warmup
        from pagecache.counts import schedule_source

        from . import signals  # noqa: F401  (connects the receivers)
        from .api import routes
        from .selectors import next_scheduled_at

        routes.register()
        # Cached pages and counts never outlive the next scheduled change (go-live, expiry).
        schedule_source(next_scheduled_at)
        warmup.register(pages=warm_pages, templates=WARM_TEMPLATES)


# The templates and pages most requests use, built before a worker takes traffic.
WARM_TEMPLATES = [
    "base.html",
    "blog/home.html",
    "blog/post_list.html",
    "blog/post_detail.html",
    "blog/_post_summary.html",
    "blog/_post_head.html",
    "blog/_post_article.html",
    "blog/_post_links.html",
    "blog/_category_menu.html",
]


def warm_pages() -> list[tuple[str, str]]:
    """Home, the newest post, the feed, the sitemap and the API's post list."""
    from .models import Post

    pages = [
        ("/", "text/html"),
        ("/feed/", "*/*"),
        ("/sitemap.xml", "*/*"),
        ("/api/posts/", "application/json"),
    ]
    newest = Post.objects.public().order_by("-published_at").only("slug").first()
    if newest is not None:
        pages.insert(1, (newest.get_absolute_url(), "text/html"))
    return pages
