"""Endpoints with their delivery log (status, attempts, last response), for editors."""

from django.contrib import admin

from .models import Delivery, Endpoint


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    max_num = 0
    fields = ["created_at", "event", "status", "attempts", "last_status_code", "last_error"]
    readonly_fields = fields
    ordering = ["-pk"]
    show_change_link = True


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "events", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "created_by", "created_at"]
    inlines = [DeliveryInline]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        if obj.is_active:
            obj.consecutive_failures, obj.disabled_at = 0, None  # re-enabled by hand
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint", "event", "payload", "status", "attempts", "last_status_code",
        "last_response", "last_error", "created_at", "last_attempt_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False
