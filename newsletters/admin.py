"""Newsletters in the admin: the newsletters (with their subscriber counts), every issue
sent (read-only, with its delivery counts), its deliveries, and the post form's
"Newsletter" box (through `blog.admin.hooks`).

Counts are one query each: the delivery states counted with `filter=Q(...)` in one
aggregate (`newsletters.sending.COUNTS`), per issue in the list, per post in the box.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from blog.admin.hooks import PostAdminExtension
from blog.admin.states import format_moment

from .models import Delivery, Issue, Newsletter
from .sending import COUNTS, issue_counts


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    list_display = ("name", "cadence", "active", "subscribe_by_default", "subscribers", "order")
    list_filter = ("active", "cadence")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = (
        "name", "slug", "description", "cadence", "active", "subscribe_by_default",
        "sender_name", "sender_email", "reply_to", "order",
    )  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                subscriber_count=Count(
                    "subscription",
                    filter=Q(
                        subscription__member__status="active",
                        subscription__member__email_disabled_at__isnull=True,
                    ),
                )
            )
        )

    @admin.display(description="Subscribers receiving it", ordering="subscriber_count")
    def subscribers(self, obj: Newsletter) -> int:
        return obj.subscriber_count


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the sender alone: looked at, never edited here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = (
        "subject", "newsletter", "status", "created_at", "finished_at", "recipients_link",
        "sent", "failed", "pending", "uncertain", "bounced", "cancelled", "opened",
    )  # fmt: skip
    list_filter = ("status", "newsletter")
    search_fields = ("subject",)
    list_select_related = ("newsletter",)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return issue_counts(super().get_queryset(request))

    @admin.display(description="Recipients", ordering="recipients")
    def recipients_link(self, obj: Issue):
        url = reverse("admin:newsletters_delivery_changelist") + f"?issue__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.recipients)

    @admin.display(description="Sent", ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count

    @admin.display(description="Failed", ordering="failed_count")
    def failed(self, obj):
        return obj.failed_count

    @admin.display(description="Pending", ordering="pending_count")
    def pending(self, obj):
        return obj.pending_count

    @admin.display(description="Uncertain", ordering="uncertain_count")
    def uncertain(self, obj):
        return obj.uncertain_count

    @admin.display(description="Bounced", ordering="bounced_count")
    def bounced(self, obj):
        return obj.bounced_count

    @admin.display(description="Cancelled", ordering="cancelled_count")
    def cancelled(self, obj):
        return obj.cancelled_count

    @admin.display(description="Opened", ordering="opened_count")
    def opened(self, obj):
        return obj.opened_count or "-"  # only what the provider reported


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("email", "issue", "status", "attempts", "sent_at", "opened_at", "error")
    list_filter = ("status", "issue__newsletter")
    search_fields = ("email", "message_id")
    list_select_related = ("issue",)
    show_full_result_count = False  # 10,000 rows an issue: no second COUNT per page


class NewsletterBoxExtension(PostAdminExtension):
    """The post form's box: which newsletter the post goes to and, once it went, how."""

    after_form_template = "newsletters/admin/post_newsletter.html"

    def change_form_context(self, request, obj, add) -> dict:
        if obj is None or not obj.pk or obj.kind != "post":
            return {}
        issue = (
            issue_counts(Issue.objects.filter(post=obj))
            .values("pk", "status", "finished_at", "newsletter__name", *COUNTS)
            .first()
        )
        if issue is None:
            return {
                "newsletter_box": {
                    "chosen": obj.newsletter,
                    "issue": None,
                    "went_public": obj.announced_at is not None,
                }
            }
        opts = Issue._meta
        can_view = request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        return {
            "newsletter_box": {
                "chosen": obj.newsletter,
                "issue": issue,
                "finished": format_moment(issue["finished_at"]) if issue["finished_at"] else "",
                "deliveries_url": (
                    reverse("admin:newsletters_delivery_changelist")
                    + f"?issue__id__exact={issue['pk']}"
                    if can_view
                    else ""
                ),
            }
        }
