"""The site settings page: one form with the header and footer menus inline.

`/admin/sitesettings/sitesettings/` opens the one row. Editors with
`sitesettings.change_sitesettings` (the Editor role) may change it and its menus; the
change is in the admin history like any other (`LogEntry`).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from .models import MenuItem, SiteSettings

PERMISSION = "sitesettings.change_sitesettings"


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    extra = 3
    fields = ("menu", "position", "label", "page", "category", "tag", "author", "url")
    ordering = ("menu", "position", "id")
    verbose_name = "menu item"
    verbose_name_plural = (
        "Header and footer menus (in order of position; one target per item. "
        "No header items: the header shows the busiest categories)"
    )

    class Media:
        # Up / down buttons beside each position (the form works without them).
        js = ["sitesettings/menu_order.js"]
        css = {"all": ["sitesettings/menu_order.css"]}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["queryset"] = (
                get_user_model().objects.filter(is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The targets as plain choices: no add / change / view buttons beside each one in
        every row (a row points at a page or category; it is not where they are edited)."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(field.widget, RelatedFieldWidgetWrapper):
            field.widget.can_add_related = False
            field.widget.can_change_related = False
            field.widget.can_view_related = False
            field.widget.can_delete_related = False
        return field

    # The menus are part of the settings: whoever may change one may change the other.
    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(PERMISSION)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    inlines = [MenuItemInline]
    fieldsets = [
        (None, {"fields": ("name", "description", "language", "time_zone")}),
        ("Look", {"fields": ("logo", "icon", "accent", "social_image")}),
        ("Footer", {"fields": ("social_links", "footer_text")}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row is made on first use

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        """There is one row: the list opens it."""
        row = SiteSettings.load()
        return HttpResponseRedirect(
            reverse("admin:sitesettings_sitesettings_change", args=[row.pk])
        )
