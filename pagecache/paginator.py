"""A Paginator whose deep pages cost an index scan, not a walk through every row before them.

`LIMIT 10 OFFSET 93990` over full rows makes PostgreSQL fetch (and throw away) 93,990
rows from the table: 0.8 s for the last home page at 100,000 posts. Three things fix it:

- Deep pages ask first for the page's primary keys only, an index-only scan of the same
  index (status, published_at, id); the page's rows, with their select_related and
  prefetched relations, are then fetched by primary key and put back in order (a
  "deferred join").
- Pages in the second half of the list are read from the other end, in reverse order:
  the last page costs what the first does, and the middle one is the deepest (when the
  ordering ends with the primary key, so that it is a total order and reversing it is
  exact).
- The count, which a numbered page needs, is remembered until the content changes
  (`pagecache.counts`) when the caller names it with `count_key`: a count of 95,000 public
  posts is itself an index scan of all of them. `count_timed=False` when the clock cannot
  change it (an editor's list of every post). A caller that reads other cached values for
  the same page passes what it read (`cached`), with the count's key among them
  (`cached_count_key`): one round trip for all.

Use it wherever a queryset of posts is paginated:

    ListView:                 paginator_class = DeferredJoinPaginator (+ get_paginator)
    DRF PageNumberPagination: django_paginator_class = DeferredJoinPaginator
    by hand:                  DeferredJoinPaginator(queryset, per_page, count_key=...)

Shallow pages (before `DEEP_OFFSET`) are fetched the plain way: one query is cheaper there.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

from pagecache.counts import CachedValues, remember

DEEP_OFFSET = 200


def _total_order(queryset: QuerySet) -> bool:
    """Does the queryset's ordering end with its primary key (so reversing it is exact)?

    Django has no public accessor for a queryset's ordering: this reads `Query.order_by`
    and `Query.default_ordering` (docs/decisions/0010-queryset-ordering.md; pinned by
    tests/blog/test_paginator.py). Should they ever go, the answer is "no": deep pages are
    then read from the front, slower but right.
    """
    query = queryset.query
    explicit = getattr(query, "order_by", ())
    default = getattr(query, "default_ordering", False)
    ordering = explicit or (queryset.model._meta.ordering if default else ())
    if not ordering or not isinstance(ordering[-1], str):
        return False
    return ordering[-1].lstrip("-") in ("pk", queryset.model._meta.pk.attname)


class DeferredJoinPaginator(Paginator):
    """Django's Paginator; deep pages select primary keys first, from the nearer end."""

    deep_offset = DEEP_OFFSET

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        count_key: str | None = None,
        count_timed: bool = True,
        cached: CachedValues | None = None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_key, self.count_timed, self.cached = count_key, count_timed, cached

    @staticmethod
    def cached_count_key(count_key: str) -> str:
        """The key a count named `count_key` is cached under (to read it with others)."""
        return f"count:{count_key}"

    @cached_property
    def count(self) -> int:
        if self.count_key is None or not isinstance(self.object_list, QuerySet):
            return super().count
        key, count = self.cached_count_key(self.count_key), self.object_list.count
        if self.cached is None:
            return remember(key, count, timed=self.count_timed)
        # Read already, with the rest of the page (`cached`: pagecache.counts.read_cached).
        if key not in self.cached.values:
            self.cached.values[key] = count()
            self.cached.store({key: self.cached.values[key]})
        return self.cached.values[key]

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = self.object_list
        if bottom < self.deep_offset or not isinstance(queryset, QuerySet):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.count - top < bottom and _total_order(queryset):
            # Nearer the end: the same rows, counted from the end in the reverse order.
            ends = queryset.reverse().values_list("pk", flat=True)
            keys = list(ends[self.count - top : self.count - bottom])[::-1]
        else:
            keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        # The page's rows in the queryset's own order (values() rows may not hold the key).
        rows = list(queryset.filter(pk__in=keys))
        if rows and isinstance(rows[0], Model):
            # Instances: exactly the keys' order, ties in the ordering included.
            by_key = {row.pk: row for row in rows}
            rows = [by_key[key] for key in keys if key in by_key]
        return Page(rows, number, self)
