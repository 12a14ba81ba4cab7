"""Query-string filters for posts: an allow-list, never `filter(**request.GET)`."""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Count
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from api.strict import NO_NUL, RFC3339

from ..models import Category, Post, PostAuthor, Tag
from ..selectors import MAX_QUERY_LENGTH, QueryTooLong, search_posts


class UTCDateTimeField(IsoDateTimeField):
    """An RFC 3339 date-time with its offset (the schema's `format: date-time`; not a bare
    date or a local time), turned into UTC (PostgreSQL refuses offsets past ±15:59)."""

    def clean(self, value):
        if value not in (None, "") and not RFC3339.fullmatch(str(value)):
            raise forms.ValidationError(
                "An RFC 3339 date-time with offset, e.g. 2026-01-31T09:00:00Z.", code="invalid"
            )
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as error:
            raise forms.ValidationError("Date-time out of range.") from error


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`?name=a,b`: any of the values (OR)."""


class PostFilter(django_filters.FilterSet):
    """`status` only narrows what the user may already see: drafts stay theirs alone.

    Comma-separated values mean any of them (`?tag=a,b`: tagged a OR b); `tag_all`
    means all of them (`?tag_all=a,b`: tagged a AND b). Different parameters combine
    with AND.
    """

    slug = CharInFilter(field_name="slug", help_text="Post slugs, comma-separated (any).")
    status = django_filters.ChoiceFilter(choices=Post.Status.choices)
    category = CharInFilter(method="filter_category", help_text="Category slugs (any).")
    tag = CharInFilter(method="filter_tag", help_text="Tag slugs, comma-separated (any).")
    tag_all = CharInFilter(
        method="filter_tag_all", help_text="Tag slugs, comma-separated: tagged with all."
    )
    author = CharInFilter(
        method="filter_author", help_text="Usernames (any), as lead author or co-author."
    )
    published_after = UTCDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCDateTimeFilter(field_name="published_at", lookup_expr="lte")
    updated_after = UTCDateTimeFilter(
        method="filter_marker",
        help_text="`changed_at` (the sync marker) at or after this time.",
    )
    updated_before = UTCDateTimeFilter(
        method="filter_marker", help_text="`changed_at` (the sync marker) at or before."
    )

    class Meta:
        model = Post
        fields = []

    def filter_marker(self, queryset, name, value):
        # The sync marker, not `updated_at`: a scheduled post going live moves it.
        lookup = "marker__gte" if name == "updated_after" else "marker__lte"
        return queryset.with_marker().filter(**{lookup: value})

    def filter_category(self, queryset, name, value):
        # By id, looked up first (as for tags): joined by slug, PostgreSQL guessed 590
        # posts for a category of 15,000 (at 100,000) and sorted all of them for a page
        # (3.6 ms); by id it walks the newest of the index and stops at the page (0.06 ms).
        return queryset.filter(category_id__in=_category_ids(value))

    def filter_author(self, queryset, name, value):
        # A subquery, as for tags: a post by two of the authors is still listed once.
        bylines = PostAuthor.objects.filter(user__username__in=value).values("post_id")
        return queryset.filter(pk__in=bylines)

    def filter_tag(self, queryset, name, value):
        # A subquery, not a join: a post with two of the tags is still listed once.
        tagged = Post.tags.through.objects.filter(tag_id__in=_tag_ids(value)).values("post_id")
        return queryset.filter(pk__in=tagged)

    def filter_tag_all(self, queryset, name, value):
        # One grouped subquery, whatever the number of slugs: a join per slug made a long
        # ?tag_all= list a query PostgreSQL took minutes to plan (found by schemathesis).
        slugs = set(value)
        tag_ids = _tag_ids(slugs)
        if len(tag_ids) < len(slugs):  # a slug no tag has: nothing is tagged with all
            return queryset.none()
        tagged_with_all = (
            Post.tags.through.objects.filter(tag_id__in=tag_ids)
            .values("post_id")
            .annotate(matched=Count("tag_id", distinct=True))
            .filter(matched=len(tag_ids))
            .values("post_id")
        )
        return queryset.filter(pk__in=tagged_with_all)


def _category_ids(slugs) -> list[int]:
    """The categories' ids, looked up first: see `_tag_ids`."""
    return list(Category.objects.filter(slug__in=slugs).values_list("pk", flat=True))


def _tag_ids(slugs) -> list[int]:
    """The tags' ids, looked up first: PostgreSQL then knows how many posts a tag has.

    Joined by slug instead, it guessed a few hundred for a tag on 12,500 posts of 100,000,
    and sorted all of them (1 s) rather than walking the newest posts (10 ms).
    """
    return list(Tag.objects.filter(slug__in=slugs).values_list("pk", flat=True))


class PostSearchFilter(BaseFilterBackend):
    """`?search=`: the site's full-text search (ranked on PostgreSQL)."""

    param = "search"
    query_params = (param,)

    def filter_queryset(self, request, queryset, view):
        query = request.query_params.get(self.param, "")
        if "\x00" in query:  # PostgreSQL refuses NUL in text: a 400, not a DataError
            raise ValidationError({self.param: ["Null characters are not allowed."]})
        if len(query) > MAX_QUERY_LENGTH:  # as sent: the schema's maxLength
            raise ValidationError({self.param: [f"At most {MAX_QUERY_LENGTH} characters."]})
        if not query.strip():
            return queryset
        try:
            return search_posts(queryset, query)
        except QueryTooLong as error:
            raise ValidationError({self.param: [str(error)]}) from error

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": 'Full-text search (web-style: words, "phrases", -excluded).',
                "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": NO_NUL},
            }
        ]
