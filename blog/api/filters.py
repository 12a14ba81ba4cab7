"""Query-string filters for posts: an allow-list, never `filter(**request.GET)`."""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

from ..models import Post
from ..selectors import QueryTooLong, search_posts


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, turned into UTC (PostgreSQL refuses offsets past ±15:59)."""

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as error:
            raise forms.ValidationError("Date-time out of range.") from error


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class PostFilter(django_filters.FilterSet):
    """`status` only narrows what the user may already see: drafts stay theirs alone."""

    slug = django_filters.CharFilter(field_name="slug", help_text="Find one post by slug.")
    status = django_filters.ChoiceFilter(choices=Post.Status.choices)
    category = django_filters.CharFilter(field_name="category__slug", help_text="Category slug.")
    tag = django_filters.CharFilter(field_name="tags__slug", help_text="Tag slug.")
    author = django_filters.CharFilter(field_name="author__username", help_text="Username.")
    published_after = UTCDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCDateTimeFilter(field_name="published_at", lookup_expr="lte")

    class Meta:
        model = Post
        fields = []


class PostSearchFilter(BaseFilterBackend):
    """`?search=`: the site's full-text search (ranked on PostgreSQL)."""

    param = "search"

    def filter_queryset(self, request, queryset, view):
        query = request.query_params.get(self.param, "")
        if not query.strip():
            return queryset
        if "\x00" in query:  # PostgreSQL refuses NUL in text: a 400, not a DataError
            raise ValidationError({self.param: ["Null characters are not allowed."]})
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
                "schema": {"type": "string", "maxLength": 200},
            }
        ]
