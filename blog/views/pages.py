"""Home, post page and the category, tag, author and month archives."""

from __future__ import annotations

import calendar
from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.views.generic import DetailView, ListView, TemplateView

from ..cache import cache_anonymous_page
from ..markdown import table_of_contents
from ..models import Category, Post, Tag
from ..paginator import DeferredJoinPaginator
from ..permissions import can_view
from ..selectors import adjacent_posts, months_with_posts, public_authors, related_posts

PAGE_SIZE = 10
TOC_MIN_HEADINGS = 3  # fewer headings than this: the post is short enough to scroll


@method_decorator(cache_anonymous_page, name="dispatch")
class PostListView(ListView):
    """Public posts, newest first, paginated; subclasses narrow the list."""

    template_name = "blog/post_list.html"
    context_object_name = "posts"
    paginate_by = PAGE_SIZE
    paginator_class = DeferredJoinPaginator  # deep pages: keys from the index first
    heading = ""
    description = ""

    def get_queryset(self):
        return Post.objects.public().for_listing()

    def get_paginator(self, queryset, per_page, *args, **kwargs) -> DeferredJoinPaginator:
        # The path names the listing (category, tag, author, month): its count is kept.
        return super().get_paginator(
            queryset, per_page, *args, count_key=f"list:{self.request.path}", **kwargs
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(heading=self.heading, description=self.description)
        return context


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
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
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
        return super().get_queryset().filter(author=self.author)

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


@method_decorator(cache_anonymous_page, name="dispatch")
class ArchiveIndexView(TemplateView):
    """/archive/: every month with public posts, grouped by year, with counts."""

    template_name = "blog/archive_index.html"

    def get_context_data(self, **kwargs):
        months = months_with_posts()
        return super().get_context_data(
            months=months, total=sum(row["count"] for row in months), **kwargs
        )


class PostDetailView(DetailView):
    """A post page. Authors and editors may preview what readers cannot see yet."""

    template_name = "blog/post_detail.html"
    context_object_name = "post"

    def get_queryset(self):
        return Post.objects.select_related("author", "category", "cover_image").prefetch_related(
            "tags", "cover_image__renditions"
        )

    def get_object(self, queryset=None) -> Post:
        post = super().get_object(queryset)
        if not can_view(self.request.user, post):
            raise Http404("No post found.")
        return post

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        post = self.object
        context["preview"] = not post.is_public
        headings = table_of_contents(post.body_html)
        context["toc"] = headings if len(headings) >= TOC_MIN_HEADINGS else []
        context["previous_post"], context["next_post"] = adjacent_posts(post)
        context["related_posts"] = related_posts(post) if post.is_public else []
        context["canonical_url"] = self.request.build_absolute_uri(post.get_absolute_url())
        context["structured_data"] = {
            "@context": "https://schema.org",
            "@type": "BlogPosting",
            "headline": post.title,
            "description": post.excerpt,
            "datePublished": post.published_at.isoformat() if post.published_at else None,
            "dateModified": post.updated_at.isoformat(),
            "author": {
                "@type": "Person",
                "name": post.author.public_name,
                "url": self.request.build_absolute_uri(
                    reverse("blog:author", args=[post.author.username])
                ),
            },
            "mainEntityOfPage": context["canonical_url"],
            "keywords": [tag.name for tag in post.tags.all()],
        }
        if post.cover_image is not None:
            # The share card: a JPEG/PNG rendition every crawler reads (images app).
            card = post.cover_image.social
            context["social"] = {
                "url": self.request.build_absolute_uri(card.url),
                "width": card.width,
                "height": card.height,
                "mime_type": card.mime_type,
                "alt": post.cover_image.alt_text,
            }
            context["structured_data"]["image"] = [context["social"]["url"]]
        return context

    @method_decorator(cache_anonymous_page)
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return super().dispatch(request, *args, **kwargs)
