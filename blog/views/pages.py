"""Home, post page and the category, tag, author and month archives."""

from __future__ import annotations

import calendar
from datetime import datetime
from itertools import groupby

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views.generic import ListView, TemplateView

from pagecache.cache import cache_anonymous_page
from pagecache.counts import read_cached
from pagecache.paginator import DeferredJoinPaginator

from .. import extras
from ..fragments import SUMMARY_KEYS, entries_key, listing_entries, menu_key, post_page
from ..models import Category, Post
from ..selectors import months_with_posts, public_authors, public_tags

PAGE_SIZE = 10


@method_decorator(cache_anonymous_page, name="dispatch")
class PostListView(ListView):
    """Public posts, newest first, paginated; subclasses narrow the list.

    `posts` in the context are the page's `(pk, updated_at)`; `entries` their summaries,
    joined (one node for the template to render instead of a loop of three per post);
    `pagination` the links to the pages around it, cached with them.
    """

    template_name = "blog/post_list.html"
    context_object_name = "posts"
    paginate_by = PAGE_SIZE
    paginator_class = DeferredJoinPaginator  # deep pages: keys from the index first
    heading = ""
    description = ""

    def get_queryset(self):
        # Only the page's keys and versions: its posts come rendered from `post_summaries`,
        # which reads the rows of those not cached.
        return Post.objects.public().order_by("-published_at", "-id").values_list(*SUMMARY_KEYS)

    def paginate_queryset(self, queryset, page_size):
        # A cached listing page is one round trip and no query: its count (the path names
        # the listing: category, tag, author, month), its entries and the menu, read
        # together. The entries are cached per page asked for ("last" is the last page
        # while the count, cached under the same generation, stays).
        path, requested = self.request.path, self._requested_page()
        self.count_key = f"list:{path}"
        self.entries_key = entries_key(path, requested)
        count_key = DeferredJoinPaginator.cached_count_key(self.count_key)
        keys = [count_key, self.entries_key, menu_key()]
        self.cached = read_cached(keys, raw=extras.version_keys())
        return super().paginate_queryset(queryset, page_size)

    def _requested_page(self) -> str:
        """The page asked for, as ListView reads it, `01` and `1` alike."""
        page = self.kwargs.get(self.page_kwarg) or self.request.GET.get(self.page_kwarg) or "1"
        return str(int(page)) if str(page).isdigit() else str(page)

    def get_paginator(self, queryset, per_page, *args, **kwargs) -> DeferredJoinPaginator:
        return super().get_paginator(
            queryset, per_page, *args, count_key=self.count_key, cached=self.cached, **kwargs
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        summaries, menu, pagination = listing_entries(
            self.cached, self.entries_key, lambda: list(page), page
        )
        context.update(
            heading=self.heading,
            description=self.description,
            feed_url=context.get("feed_url", ""),
            page_title=f"page {page.number}" if page.number > 1 else "",
            entries=mark_safe("".join(summaries)),  # noqa: S308 - each is safe (our templates)
            pagination=pagination,
            menu=menu,
        )
        return context

    def get_template_names(self) -> list[str]:
        return [self.template_name]  # not ListView's fallback to blog/post_list.html too


class HomeView(PostListView):
    template_name = "blog/home.html"


class PostIndexView(PostListView):
    """/posts/: every public post for browsers; JSON clients go to the API (308, same query).

    Decided before the page cache, and marked `Vary: Accept`, so the two answers never
    stand in for each other in a cache.
    """

    heading = "All posts"
    description = "Every post, newest first."

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wants = request.get_preferred_type(["text/html", "application/json"])
        if wants == "application/json":
            query = request.META.get("QUERY_STRING", "")
            response = HttpResponsePermanentRedirect(
                reverse("api:post-list") + (f"?{query}" if query else ""), status=308
            )
        else:
            response = super().dispatch(request, *args, **kwargs)
        patch_vary_headers(response, ["Accept"])
        return response


class CategoryView(PostListView):
    def get_queryset(self):
        self.category = get_object_or_404(Category, slug=self.kwargs["slug"])
        self.heading = self.category.name
        self.description = self.category.description or f"Posts filed under {self.category}."
        return super().get_queryset().filter(category=self.category)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            feed_url=reverse("blog:category_feed", args=[self.category.slug]),
            archive=self.category,
            **kwargs,
        )


class TagView(PostListView):
    def get_queryset(self):
        self.tag = get_object_or_404(public_tags(), slug=self.kwargs["slug"])
        self.heading = f"Tagged “{self.tag.name}”"
        self.description = f"Posts tagged {self.tag.name}."
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            feed_url=reverse("blog:tag_feed", args=[self.tag.slug]), archive=self.tag, **kwargs
        )


class AuthorView(PostListView):
    template_name = "blog/author.html"

    def get_queryset(self):
        self.author = get_object_or_404(public_authors(), username=self.kwargs["username"])
        self.heading = self.author.public_name
        self.description = self.author.bio or f"Posts by {self.author.public_name}."
        # Every post they are one of the authors of (lead or co-author).
        return super().get_queryset().filter(pk__in=self.author.bylines.values("post_id"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class MonthArchiveView(PostListView):
    def get_queryset(self):
        year, month = self.kwargs["year"], self.kwargs["month"]
        # December 9999 would end in year 10000, which Python's dates cannot hold.
        if not (1 <= month <= 12 and 1900 <= year <= 9999) or (year, month) == (9999, 12):
            raise Http404("No such month.")
        tz = timezone.get_current_timezone()
        start = datetime(year, month, 1, tzinfo=tz)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
        self.heading = f"{calendar.month_name[month]} {year}"
        self.description = f"Posts published in {self.heading}."
        return super().get_queryset().filter(published_at__gte=start, published_at__lt=end)

    def paginate_queryset(self, queryset, page_size):
        # A month without public posts is no page (as Django's own month archive, with
        # allow_empty off): any month of any year would otherwise be an empty page for
        # crawlers. The count is the paginator's, cached with the page: no extra query.
        paginated = super().paginate_queryset(queryset, page_size)
        if paginated[0].count == 0:
            raise Http404("No posts in this month.")
        return paginated


@method_decorator(cache_anonymous_page, name="dispatch")
class ArchiveIndexView(TemplateView):
    """/archive/: every month with public posts, grouped by year, with counts."""

    template_name = "blog/archive_index.html"

    def get_context_data(self, **kwargs):
        months = months_with_posts()  # newest first
        years = [
            (year, list(rows)) for year, rows in groupby(months, key=lambda row: row["month"].year)
        ]
        return super().get_context_data(
            years=years, total=sum(row["count"] for row in months), **kwargs
        )


class PostDetailView(TemplateView):
    """A post page. Authors and editors may preview what readers cannot see yet.

    Its content comes in pieces, cached rendered while the post is public, with what
    decides who may see it (`blog.fragments.post_page`). A members-only post's body is
    for members and staff only (`blog.audience`); everyone else gets its locked article,
    the same for every anonymous reader, so the page cache keeps it as any other (a
    request with a session cookie is never served from it nor stored in it).
    """

    template_name = "blog/post_detail.html"

    def get_context_data(self, **kwargs):
        found = post_page(self.kwargs["slug"], self.request)
        if found is None:
            raise Http404("No post found.")
        post, pieces = found
        return super().get_context_data(post=post, pieces=pieces, menu=pieces["menu"], **kwargs)

    @method_decorator(cache_anonymous_page)
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return super().dispatch(request, *args, **kwargs)
