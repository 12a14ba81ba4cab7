"""Endpoints with their delivery log (status, attempts, last response), for editors.

Editors, and only editors, manage webhooks: the rule `blog.permissions.is_editor` that the
API (`webhooks.api.IsEditor`) uses too, not Django's per-model permissions (the Editor
role holds none for this app). The admin's form checks a URL as the API does (the SSRF
guard, `webhooks.ssrf`) and offers the events as boxes to tick.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from blog.permissions import is_editor

from .models import Delivery, Endpoint, Event
from .services import endpoint_enable
from .ssrf import BlockedAddress, check_url


class EditorsOnly:
    """Mixed into a ModelAdmin before `admin.ModelAdmin`: visible and usable by editors."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return is_editor(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url, resolve=False)  # resolved again at every delivery
        except BlockedAddress as error:
            raise forms.ValidationError(str(error)) from error
        return url


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    max_num = 0
    fields = ["created_at", "event", "status", "attempts", "last_status_code", "last_error"]
    readonly_fields = fields
    ordering = ["-pk"]
    show_change_link = True

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(EditorsOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "events", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "consecutive_failures", "disabled_at", "created_by", "created_at"]
    inlines = [DeliveryInline]
    actions = ["enable_and_resend"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        if obj.is_active:  # re-enabled by hand; held deliveries wait for the action below
            obj.consecutive_failures, obj.disabled_at, obj.failing_since = 0, None, None
        super().save_model(request, obj, form, change)

    @admin.action(description="Enable and re-send held deliveries")
    def enable_and_resend(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        resent = sum(endpoint_enable(endpoint=endpoint) for endpoint in queryset)
        self.message_user(
            request,
            f"Enabled {queryset.count()} endpoint(s); re-sending {resent} held delivery(ies).",
            messages.SUCCESS,
        )


@admin.register(Delivery)
class DeliveryAdmin(EditorsOnly, admin.ModelAdmin):
    list_display = ["created_at", "endpoint", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status", "event"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint", "event", "payload", "status", "attempts", "last_status_code",
        "last_response", "last_error", "created_at", "last_attempt_at", "next_attempt_at",
    ]  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a log: read, never edited
