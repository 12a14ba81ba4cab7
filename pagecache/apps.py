from django.apps import AppConfig


class PageCacheConfig(AppConfig):
    """The page cache decorator, cache generations, bulk fragment reads and the memo of
    counts. Generic: it imports no domain app; `blog` tells it when content changes and
    when the next scheduled change is due (`pagecache.counts.schedule_source`)."""

    name = "pagecache"
    verbose_name = "Page cache"
