"""Reads that pages, sitemaps and the API share: search, public authors, months with posts,
the post page's neighbours."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from pagecache.counts import remember

from . import search_sqlite
from .models import SEARCH_CONFIG, Category, Post, PostAuthor, PostQuerySet, Tag

MENU_SIZE = 8  # categories in the header's menu
MAX_QUERY_LENGTH = 200
# PostgreSQL ranks at most this many matches, the newest: a word in every post would
# otherwise rank the whole archive on each request. Older matches are left out.
MAX_RANKED_MATCHES = 1000


def public_authors() -> QuerySet:
    """Active users with at least one public post (as any of its authors): the only ones
    with a public profile.

    Anyone else (a Contributor with drafts only, the superuser) has no author page, exactly
    as `/api/authors/` and the sitemap have no entry for them, so none reveals that an
    account exists. Who they are is one aggregate, kept until the content changes
    (`pagecache.counts.remember`): asked per user (`EXISTS`, or a LIMIT 1 subquery in
    any order), PostgreSQL cannot tell a user with no bylines from one with 100,000 and
    walks every public post for each user who has none (150-300 ms a user at 100,000
    posts, bench/large.py); once for all, it is one join of bylines and public posts.
    """
    ids = remember("public-author-ids", _public_author_ids)
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def _public_author_ids() -> list[int]:
    public = Post.objects.public().values("pk")
    bylines = PostAuthor.objects.filter(post__in=public).order_by()
    return sorted(bylines.values_list("user", flat=True).distinct())


def public_tags() -> QuerySet:
    """Tags with at least one public post: the only ones readers and the API's readers see.

    Writers name new tags while they write (`blog.services.tags_named`); until a post that
    uses one goes public, its name would tell what the drafts are about. As for authors
    (`public_authors`), a tag nobody may read about has no page. A LIMIT 1 subquery per
    tag, as the sitemap's (an index probe that stops at the first public post).
    """
    first_public = Post.objects.public().filter(tags=OuterRef("pk")).values("pk")[:1]
    return Tag.objects.annotate(first_public=Subquery(first_public)).filter(
        first_public__isnull=False
    )


def busiest_categories() -> list[Category]:
    """Up to `MENU_SIZE` categories with public posts, most posts first."""
    # COUNT(*), not COUNT(id): an index-only scan of (category, status, published_at).
    public_count = (
        Post.objects.public()
        .filter(category=OuterRef("pk"))
        .order_by()
        .values("category")
        .annotate(n=Count("*"))
        .values("n")
    )
    busiest = (
        Category.objects.annotate(public_posts=Subquery(public_count, output_field=IntegerField()))
        .order_by(F("public_posts").desc(nulls_last=True), "name")
        .only("name", "slug")[:MENU_SIZE]
    )
    # Sorted by count: those without public posts come last; leaving them out here counts
    # each category once (a filter on the annotation would count them all twice).
    return [category for category in busiest if category.public_posts]


def months_with_posts() -> list[dict]:
    """`[{"month": date, "count": n}, ...]`, newest first, in the site's time zone.

    One query that reads every public post (~90 ms at 100,000), so kept until the content
    changes (`pagecache.counts`): the archive index and the months' sitemap both list it.
    """
    return remember("months-with-posts", _months_with_posts)


def _months_with_posts() -> list[dict]:
    return list(
        Post.objects.public()
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(count=Count("*"))
        .order_by("-month")
    )


class QueryTooLong(ValueError):
    """The search query is longer than `MAX_QUERY_LENGTH` characters."""


def search_posts(queryset: PostQuerySet, query: str) -> PostQuerySet:
    """Posts of `queryset` matching `query`, best first.

    PostgreSQL ranks a web-style query (`"exact phrase" -excluded or`) against the stored,
    GIN-indexed search vector, for the newest `MAX_RANKED_MATCHES` matches; SQLite
    (`make run`) uses its FTS5 index with porter stemming (`blog.search_sqlite`); any
    other database a case-insensitive containment.
    """
    # PostgreSQL refuses NUL bytes in text: treat them as spaces.
    query = " ".join(query.replace("\x00", " ").split())
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"Search queries are limited to {MAX_QUERY_LENGTH} characters.")
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        ts_query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        newest = (
            queryset.filter(search_vector=ts_query)
            .order_by("-published_at", "-id")
            .values("pk")[:MAX_RANKED_MATCHES]
        )
        return (
            queryset.filter(pk__in=newest)
            .annotate(rank=SearchRank(F("search_vector"), ts_query))
            .order_by("-rank", "-published_at", "-id")
        )
    if connection.vendor == "sqlite":
        return search_sqlite.search(queryset, query)
    return queryset.filter(
        Q(title__icontains=query) | Q(summary__icontains=query) | Q(body__icontains=query)
    )


# Post page ---------------------------------------------------------------------------

RELATED_LIMIT = 3
# Ranked for relatedness: the newest this many public posts of each shared tag and of the
# category. Counting shared tags over every post of a big category (20,000 at 100,000
# posts) took half a second per post page; an older post that shares more tags than
# these may be passed over.
RELATED_CANDIDATES = 100


def adjacent_posts(post: Post) -> tuple[Post | None, Post | None]:
    """The public posts just before (older) and just after (newer) `post`: two queries."""
    if not post.is_public:
        return None, None
    public = Post.objects.public().only("title", "slug", "published_at")
    at, pk = post.published_at, post.pk
    older = (
        public.filter(Q(published_at__lt=at) | Q(published_at=at, id__lt=pk))
        .order_by("-published_at", "-id")
        .first()
    )
    newer = (
        public.filter(Q(published_at__gt=at) | Q(published_at=at, id__gt=pk))
        .order_by("published_at", "id")
        .first()
    )
    return older, newer


def related_posts(post: Post, limit: int = RELATED_LIMIT) -> list[Post]:
    """Up to `limit` public posts sharing the most tags with `post`, then its category.

    One query: shared tags are counted in the database, never per post, among the newest
    `RELATED_CANDIDATES` posts of each tag and of the category (each an index scan that
    stops there). Expects `post.tags` prefetched (the post page does) so the tag ids cost
    nothing more.
    """
    tag_ids = [tag.pk for tag in post.tags.all()]
    if not tag_ids and post.category_id is None:
        return []
    candidates = Post.objects.public().exclude(pk=post.pk)
    pools = [candidates.filter(tags=tag_id) for tag_id in tag_ids]
    if post.category_id:
        pools.append(candidates.filter(category_id=post.category_id))
    newest = [
        pool.order_by("-published_at", "-id").values("pk")[:RELATED_CANDIDATES] for pool in pools
    ]
    return list(
        candidates.filter(_among(newest))
        .annotate(
            shared_tags=Count("tags", filter=Q(tags__in=tag_ids), distinct=True),
            same_category=Case(
                When(category_id=post.category_id, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .only("title", "slug", "published_at")
        .order_by("-shared_tags", "-same_category", "-published_at", "-id")[:limit]
    )


def _among(pools: list[QuerySet]) -> Q:
    """`pk` in any of `pools` (each a sliced `values("pk")` queryset), as one condition.

    One UNION subquery where the database allows a LIMIT in each part (PostgreSQL: an OR
    of several `IN`s would read the whole table); SQLite refuses LIMIT inside a compound
    statement, so there each pool is its own `IN` (SQLite builds each once).
    """
    if connection.features.supports_slicing_ordering_in_compound:
        return Q(pk__in=pools[0].union(*pools[1:]))
    condition = Q()
    for pool in pools:
        condition |= Q(pk__in=pool)
    return condition


def next_scheduled_at() -> datetime | None:
    """When the next scheduled change of what readers see comes: a scheduled post goes
    public or a post expires (None: neither is ahead). Cached pages and counts never
    outlive it (`pagecache.counts.next_go_live`). Pages' times count too (`all_kinds`).

    One query over the few posts with a time ahead (scheduled, or expiring: two index
    ranges); a scheduled post's own next change is its go-live, which comes before its
    expiry (`blog.models.expiry_error`).
    """
    now = timezone.now()
    ahead = (Post.all_kinds.scheduled() | Post.all_kinds.expiring()).annotate(
        moment=Case(When(published_at__gt=now, then=F("published_at")), default=F("expires_at"))
    )
    return ahead.order_by("moment").values_list("moment", flat=True).first()
