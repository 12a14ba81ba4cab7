"""Query parameters are an allow-list: an unknown one is a 400 that names the allowed ones.

A client that misspells `?tags=` or `?order=` would otherwise get the unfiltered list and
never know. `StrictQueryParamsMixin` (on every viewset) computes what the action accepts
from its own filter backends, pagination and serializer, so the list is never maintained
by hand. `OrderingFilter` answers a bad `?ordering=` the same way instead of ignoring it.
"""

from __future__ import annotations

from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

ALWAYS = {"format"}  # DRF's ?format=json|api


def _unknown(names: list[str], allowed: set[str]) -> ValidationError:
    listed = ", ".join(sorted(allowed)) or "none"
    return ValidationError(
        {name: [f"Unknown query parameter. Allowed: {listed}."] for name in names}
    )


class StrictQueryParamsMixin:
    """Refuse query parameters the action does not read (see the module docstring)."""

    list_actions = ("list", "published")

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        allowed = self.allowed_query_params()
        unknown = sorted(set(request.query_params) - allowed)
        if unknown:
            raise _unknown(unknown, allowed)

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
    from the nearer end (blog/paginator.py). Each allowed field has an index that ends
    with the key.
    """

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params is not None:
            fields = [param.strip() for param in params.split(",")]
            allowed = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            bad = [f for f in fields if f.lstrip("-") not in allowed]
            if bad:
                choices = ", ".join(sorted(allowed | {f"-{name}" for name in allowed}))
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering {', '.join(bad)}. Allowed: {choices}."
                        ]
                    }
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
