"""Reads that pages and the API share: search, public authors."""

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from .models import SEARCH_CONFIG, Post, PostQuerySet

MAX_QUERY_LENGTH = 200


def public_authors() -> QuerySet:
    """Active users with at least one public post: the only ones with a public profile.

    Anyone else (a Contributor with drafts only, the superuser) has no author page, exactly
    as `/api/authors/` has no entry for them, so neither reveals that an account exists.
    """
    has_public = Post.objects.public().filter(author=OuterRef("pk"))
    return get_user_model().objects.filter(Exists(has_public), is_active=True)


class QueryTooLong(ValueError):
    """The search query is longer than `MAX_QUERY_LENGTH` characters."""


def search_posts(queryset: PostQuerySet, query: str) -> PostQuerySet:
    """Posts of `queryset` matching `query`, best first.

    PostgreSQL ranks a web-style query (`"exact phrase" -excluded or`) against the stored,
    GIN-indexed search vector; SQLite falls back to a case-insensitive containment search.
    """
    # PostgreSQL refuses NUL bytes in text: treat them as spaces.
    query = " ".join(query.replace("\x00", " ").split())
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"Search queries are limited to {MAX_QUERY_LENGTH} characters.")
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        return (
            queryset.filter(search_vector=ts_query)
            .annotate(rank=SearchRank(F("search_vector"), ts_query))
            .order_by("-rank", "-published_at", "-id")
        )
    return queryset.filter(
        Q(title__icontains=query) | Q(excerpt__icontains=query) | Q(body__icontains=query)
    )
