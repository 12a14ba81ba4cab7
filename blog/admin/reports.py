"""Daily reports, read-only in admin: a list by day and a detail page per report.

Reports are made by the `daily-report` schedule or `manage.py report`; nobody edits them
here. Editors see them through the `blog.view_report` permission of their role.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from core.admin_guards import GuardedAdminMixin

from ..models import Report


def _table(counts: dict[str, int]) -> str:
    if not counts:
        return "—"
    rows = format_html_join(
        "", "<tr><td>{}</td><td>{}</td></tr>", sorted(counts.items(), key=lambda kv: -kv[1])
    )
    return format_html("<table><tbody>{}</tbody></table>", rows)


@admin.register(Report)
class ReportAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = [
        "day",
        "published_count",
        "scheduled_count",
        "draft_count",
        "new_users_count",
        "generated_at",
        "mailed_at",
    ]
    date_hierarchy = "day"
    list_filter = [("mailed_at", admin.EmptyFieldListFilter)]
    fieldsets = [
        (None, {"fields": ["day", "generated_at", "mailed_at"]}),
        (
            "Counts",
            {
                "fields": ["published_count", "new_users_count", "scheduled_count", "draft_count"],
                "description": "Published posts and new users of that day; scheduled posts "
                "and drafts as they stood when the report was generated.",
            },
        ),
        ("Published that day", {"fields": ["by_category", "by_author"]}),
    ]

    @admin.display(description="by category")
    def by_category(self, report: Report) -> str:
        return _table(report.per_category)

    @admin.display(description="by author")
    def by_author(self, report: Report) -> str:
        return _table(report.per_author)

    def get_readonly_fields(self, request: HttpRequest, obj: Report | None = None):
        return [*self.list_display, "by_category", "by_author"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False
