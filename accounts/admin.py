"""Users in the admin, with the profile fields readers see."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import F

from config.admin_guards import GuardedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(GuardedAdminMixin, DjangoUserAdmin):
    list_display = ["username", "email", "display_name", "is_staff", "is_active"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Public profile", {"fields": ["display_name", "bio"]}),
    ]
    actions = ["revoke_sign_ins"]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]

    @admin.action(
        description="Sign out everywhere: end the selected users' sessions and API tokens",
        permissions=["change"],
    )
    def revoke_sign_ins(self, request, queryset):
        done = queryset.update(auth_generation=F("auth_generation") + 1)
        self.message_user(
            request, f"{done} user(s) signed out of every session and API token.", messages.SUCCESS
        )
