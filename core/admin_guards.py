"""Bad query strings in the admin are a 400, never a 500.

PostgreSQL refuses NUL in text, so `?q=%00` (change list search, `autocomplete?term=%00`)
or a NUL in any filter value used to reach the database as a `DataError`; and the date
hierarchy's `?<field>__year=9999&<field>__month=12` overflows Python's dates while Django
computes the month's end. Mix `GuardedAdminMixin` into a ModelAdmin (before
`admin.ModelAdmin`) to answer both with 400.
"""

from __future__ import annotations

from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import BadRequest
from django.http import HttpRequest

NUL_MESSAGE = "Null characters are not allowed."


def _refuse_nul(request: HttpRequest) -> None:
    if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
        raise BadRequest(NUL_MESSAGE)


class GuardedChangeList(ChangeList):
    """Refuses NUL in any parameter, and dates the date hierarchy cannot represent."""

    def get_filters(self, request):
        _refuse_nul(request)
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise BadRequest("Date out of range.") from error


class GuardedAdminMixin:
    def get_changelist(self, request: HttpRequest, **kwargs):
        return GuardedChangeList

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        if "\x00" in search_term:  # the autocomplete view's `term`, the change list's `q`
            raise BadRequest(NUL_MESSAGE)
        return super().get_search_results(request, queryset, search_term)
