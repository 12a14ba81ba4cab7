"""Query parameters are an allow-list: an unknown one is a 400 that names the allowed ones.

A client that misspells `?tags=` or `?order=` would otherwise get the unfiltered list and
never know. `StrictQueryParamsMixin` (on every viewset) computes what the action accepts
from its own filter backends, pagination and serializer, so the list is never maintained
by hand. `OrderingFilter` answers a bad `?ordering=` the same way instead of ignoring it.

A list parameter is read in either form: comma-separated (`?tag=a,b`) or repeated
(`?tag=a&tag=b`, OpenAPI's default `explode: true`, which openapi-python-client and most
other generated clients send); the repeated form is joined into the comma-separated one
before anything reads it.

The values are held to what the schema says of them (`api.schema` documents each):
any other parameter given twice, an empty value (but `?cursor=` and `?search=`), a NUL, an
empty item of a list (`?tag=a,,b`, `?tag=a&tag=`) and a page number or size that is not a
whole number in range are all a 400, never silently ignored or clamped.
"""

from __future__ import annotations

import re

from django.http import Http404
from django_filters.filters import BaseCSVFilter
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

ALWAYS = {"format"}  # DRF's ?format=json|api (an unknown one is a 400, not DRF's 404)
MAY_BE_EMPTY = {"cursor", "search"}  # "from the start", "no search"
# Whole numbers, as digits only (not "1.0", "+1" or " 1"), in [minimum, maximum].
PATTERNS = {"cursor": (re.compile(r"[A-Za-z0-9_-]{0,200}"), "Not a cursor: use a `next` link.")}
INTEGER_PARAMS = {"page": (1, None), "page_size": (1, 100), "limit": (1, 1000)}


def _unknown(names: list[str], allowed: set[str]) -> ValidationError:
    listed = ", ".join(sorted(allowed)) or "none"
    return ValidationError(
        {name: [f"Unknown query parameter. Allowed: {listed}."] for name in names}
    )


class StrictQueryParamsMixin:
    """Refuse query parameters the action does not read (see the module docstring)."""

    list_actions = ("list", "published")
    response_formats = ("json",)  # `?format=` the schema names (`api`: browsable HTML)

    def perform_content_negotiation(self, request: Request, force: bool = False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:  # DRF's answer to an unknown ?format=: it is a bad value
            formats = ", ".join(renderer.format for renderer in self.get_renderers())
            raise ValidationError({"format": [f"Unknown format. One of: {formats}."]}) from error

    def initialize_request(self, request, *args, **kwargs) -> Request:
        """Join a repeated list parameter into its comma-separated form (module docstring).

        `request` is Django's: its `GET`, which DRF's `query_params` is, becomes a copy.
        """
        drf_request = super().initialize_request(request, *args, **kwargs)
        repeated = {
            name
            for name, values in request.GET.lists()
            if len(values) > 1 and name in self.list_query_params()
        }
        if repeated:
            joined = request.GET.copy()
            for name in repeated:
                joined[name] = ",".join(joined.getlist(name))
            request.GET = joined
        return drf_request

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if getattr(self, request.method.lower(), None) is None:
            return  # an unsupported method: the 405 comes first
        allowed = self.allowed_query_params()
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise _unknown(unknown, allowed)
        errors = {}
        for name, values in request.query_params.lists():
            message = self._query_value_error(name, values)
            if message:
                errors[name] = [message]
        if errors:
            raise ValidationError(errors)

    def _query_value_error(self, name: str, values: list[str]) -> str | None:
        """What is wrong with the value of `?name=`, or None (see the module docstring)."""
        if len(values) > 1:
            return "Given more than once; only a list parameter may be repeated."
        value = values[0]
        if "\x00" in value:
            return "Null characters are not allowed."
        if value == "" and name not in MAY_BE_EMPTY:
            return "A value is required."
        if name in self.list_query_params() and "" in value.split(","):
            return "An empty item in a comma-separated list."
        if name in PATTERNS and not PATTERNS[name][0].fullmatch(value):
            return PATTERNS[name][1]
        if name in INTEGER_PARAMS:
            low, high = INTEGER_PARAMS[name]
            number = int(value) if value.isascii() and value.isdigit() else None
            if number is None or number < low or (high is not None and number > high):
                upper = f" to {high}" if high is not None else " or more"
                return f"A whole number, {low}{upper}."
        return None

    def list_query_params(self) -> set[str]:
        """Parameters whose value is a comma-separated list."""
        names = set(getattr(self.get_serializer_class(), "shape_params", ()))
        filterset_class = getattr(self, "filterset_class", None)
        for name, filter_ in getattr(filterset_class, "base_filters", {}).items():
            if isinstance(filter_, BaseCSVFilter):
                names.add(name)
        return names

    def allowed_query_params(self) -> set[str]:
        allowed = set(ALWAYS)
        serializer_class = self.get_serializer_class()
        allowed |= set(getattr(serializer_class, "shape_params", ()))
        allowed |= set(getattr(self, "action_query_params", {}).get(self.action, ()))
        if self.action not in self.list_actions:
            return allowed
        for backend in self.filter_backends:
            filterset_class = getattr(self, "filterset_class", None)
            if backend.__name__ == "DjangoFilterBackend" and filterset_class:
                allowed |= set(filterset_class.base_filters)
            allowed |= set(getattr(backend, "query_params", ()))
            if issubclass(backend, filters.OrderingFilter):
                allowed.add(backend.ordering_param)
            if issubclass(backend, filters.SearchFilter):
                allowed.add(backend.search_param)
        paginator = self.paginator
        for name in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if paginator is not None and getattr(paginator, name, None):
                allowed.add(getattr(paginator, name))
        allowed |= set(getattr(paginator, "extra_query_params", ()))
        return allowed


class OrderingFilter(filters.OrderingFilter):
    """`?ordering=` from the view's `ordering_fields`; anything else is a 400 listing them.

    Ties are broken by the primary key, in the direction of the last field: numbered pages
    of equal titles never repeat or skip a row, and a total order lets deep pages be read
    from the nearer end (pagecache/paginator.py). Each allowed field has an index that ends
    with the key.
    """

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            fields = [params]  # one field: "title,created_at" is not one of the choices
            allowed = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            bad = [f for f in fields if f.lstrip("-") not in allowed]
            if bad or not params:
                choices = ", ".join(sorted(allowed | {f"-{name}" for name in allowed}))
                raise ValidationError(
                    {self.ordering_param: [f"Unknown ordering {params!r}: one of {choices}."]}
                )
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        ordering = [ordering] if isinstance(ordering, str) else list(ordering)
        if ordering[-1].lstrip("-") not in ("pk", queryset.model._meta.pk.name):
            ordering.append("-pk" if ordering[-1].startswith("-") else "pk")
        return ordering

    def get_schema_operation_parameters(self, view) -> list[dict]:
        names = [name for name in getattr(view, "ordering_fields", ()) if name != "__all__"]
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by one field; a leading `-` sorts descending.",
                "schema": {"type": "string", "enum": sorted(names + [f"-{n}" for n in names])},
            }
        ]
