"""Users in the admin: invite a writer in one screen, change roles (recorded), profiles.

Editors (not only superusers) invite writers and change roles; who may is decided by
`accounts.roles.can_manage_writers`. Editors see the writers' list and these two
screens, never passwords, permissions or superuser flags.

Profiles: every staff user edits their own public profile on "My profile" (the admin's
user tools), a form with nothing but `accounts.forms.ProfileForm`; editors edit a
writer's public profile on the writer's user page. Who may edit whose profile is
`accounts.roles.can_edit_profile`, asked for every object.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from core.admin_guards import GuardedAdminMixin

from .forms import PROFILE_FIELDS, AdminUserChangeForm, ProfileForm
from .integration_keys import integration_key_issue, integration_key_revoke
from .invites import writer_invite
from .models import IntegrationKey, User
from .roles import (
    AUTHOR,
    CONTRIBUTOR,
    EDITOR,
    ROLES,
    can_edit_profile,
    can_manage_writers,
    role_of,
    set_role,
)
from .usernames import username_clean, username_free

ROLE_CHOICES = [
    ("Contributor", "Contributor — writes drafts and submits them for review"),
    ("Author", "Author — also publishes and schedules own posts"),
    ("Editor", "Editor — edits, publishes and reviews every post; invites writers"),
]


def _can_manage(user) -> bool:
    return can_manage_writers(user)


class InviteForm(forms.Form):
    email = forms.EmailField()
    display_name = forms.CharField(max_length=120, required=False, label="Name")
    username = forms.CharField(
        max_length=150, required=False, help_text="Left blank, made from the e-mail address."
    )
    role = forms.ChoiceField(
        choices=ROLE_CHOICES,
        widget=widgets.AdminRadioSelect(attrs={"class": "radiolist"}),
        initial="Author",
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.annotate(e=Lower("email")).filter(e=email.lower()).exists():
            raise forms.ValidationError("Someone with that e-mail address already has an account.")
        return email

    def clean_username(self) -> str:
        wanted = self.cleaned_data.get("username", "")
        if wanted.strip():
            wanted = username_clean(wanted)
            if User.objects.filter(username__iexact=wanted).exists():
                raise forms.ValidationError("That username is taken.")
            return wanted
        return username_free(slugify(self.data.get("email", "").split("@")[0]))


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=[*ROLE_CHOICES, ("", "No role — no admin access")],
        widget=widgets.AdminRadioSelect(attrs={"class": "radiolist"}),
        required=False,
    )


@admin.register(User)
class UserAdmin(GuardedAdminMixin, DjangoUserAdmin):
    form = AdminUserChangeForm
    list_display = ["username", "email", "display_name", "role", "is_staff", "is_active"]
    search_fields = ["username", "email", "display_name"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        ("Public profile", {"fields": ["display_name", "bio", "avatar"]}),
    ]
    # What an editor sees of a writer: who they are (read only), then their profile.
    writer_fieldsets = [
        (None, {"fields": ["username", "email", "is_active"]}),
        ("Public profile", {"fields": PROFILE_FIELDS}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]
    actions = ["revoke_sign_ins"]

    @admin.action(
        description="Sign out everywhere: end the selected users' sessions and API tokens",
        permissions=["change"],
    )
    def revoke_sign_ins(self, request, queryset):
        done = queryset.update(auth_generation=F("auth_generation") + 1)
        self.message_user(
            request, f"{done} user(s) signed out of every session and API token.", messages.SUCCESS
        )

    @admin.display(description="role")
    def role(self, user: User) -> str:
        names = {group.name for group in user.groups.all()}
        return next((r for r in reversed(ROLES) if r in names), "—")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # --- editors see writers, not credentials -------------------------------------------

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) or _can_manage(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or _can_manage(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        """Superusers as Django has it; editors on a writer's profile (the fields below)."""
        if super().has_change_permission(request, obj):
            return True
        return obj is not None and can_edit_profile(request.user, obj)

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.writer_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ["username", "email", "is_active"]

    def user_change_password(self, request, id, form_url=""):
        """Setting a password without the old one is for who may change accounts as Django
        has it (superusers); an editor's profile rights do not reach it. One's own goes
        through Django's password change, which asks for the old password."""
        if id == str(request.user.pk):
            return HttpResponseRedirect(reverse("admin:password_change"))
        target = self.get_object(request, unquote(id))
        if target is None or not super().has_change_permission(request, target):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A writer's own user page is their profile page (it used to be a 403)."""
        if not request.user.is_superuser and object_id == str(request.user.pk):
            return HttpResponseRedirect(reverse("admin:accounts_profile"))
        return super().change_view(request, object_id, form_url, extra_context)

    def get_list_filter(self, request):
        return ["groups", "is_staff", "is_active"] if request.user.is_superuser else ["groups"]

    # --- invite and role screens --------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "profile/",
                self.admin_site.admin_view(self.profile_view),
                name="accounts_profile",
            ),
            path("invite/", self.admin_site.admin_view(self.invite_view), name="accounts_invite"),
            path(
                "<int:user_id>/role/",
                self.admin_site.admin_view(self.role_view),
                name="accounts_user_role",
            ),
            *super().get_urls(),
        ]

    def _screen(self, request, template: str, title: str, **context):
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **context},
        )

    def invite_view(self, request):
        if not _can_manage(request.user):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                user = writer_invite(
                    email=form.cleaned_data["email"],
                    username=form.cleaned_data["username"],
                    display_name=form.cleaned_data["display_name"],
                    role=form.cleaned_data["role"],
                )
                self.log_addition(request, user, f"Invited as {form.cleaned_data['role']}")
            self.message_user(
                request,
                f"Invited {user.public_name} ({user.email}) as {form.cleaned_data['role']}: "
                "an e-mail with a link to set their password is on its way.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        return self._screen(
            request, "admin/accounts/user/invite.html", "Invite a writer", form=form
        )

    def profile_view(self, request):
        """My profile: the signed-in user's public profile, whatever their role."""
        user = request.user
        if not can_edit_profile(user, user):
            raise PermissionDenied
        form = ProfileForm(request.POST or None, request.FILES or None, instance=user)
        if request.method == "POST" and form.is_valid():
            if form.has_changed():
                with transaction.atomic():
                    form.save()
                    self.log_change(request, user, [{"changed": {"fields": form.changed_data}}])
            self.message_user(
                request, "Your profile is saved: readers see it on your posts.", messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:accounts_profile"))
        return self._screen(
            request,
            "admin/accounts/user/profile.html",
            "My profile",
            form=form,
            original=user,
            author_url=reverse("blog:author", args=[user.username]),
        )

    def role_view(self, request, user_id: int):
        if not _can_manage(request.user):
            raise PermissionDenied
        user = get_object_or_404(User, pk=user_id)
        if user.is_superuser and not request.user.is_superuser:
            raise PermissionDenied  # editors do not manage superusers
        before = role_of(user)
        form = RoleForm(request.POST or None, initial={"role": before})
        if request.method == "POST" and form.is_valid():
            after = form.cleaned_data["role"]
            if after != before:
                with transaction.atomic():
                    set_role(user, after)
                    self.log_change(
                        request, user, f"Role changed from {before or 'none'} to {after or 'none'}"
                    )
                self.message_user(
                    request,
                    f"{user.public_name} is now {after or 'without a role'}.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        return self._screen(
            request,
            "admin/accounts/user/role.html",
            f"Role of {user.public_name}",
            form=form,
            original=user,
            current=before or "none",
        )


@admin.register(IntegrationKey)
class IntegrationKeyAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Editors make integration keys (shown once), see when each was last used, revoke them.

    Keys are revoked, never deleted, so the list stays a record of who had access.
    """

    list_display = ["name", "user", "scope", "key_prefix", "created_at", "last_used_at", "state"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["key_prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(description="key")
    def key_prefix(self, key: IntegrationKey) -> str:
        return f"bsk_{key.prefix}_…" if key.prefix else ""

    @admin.display(description="state")
    def state(self, key: IntegrationKey) -> str:
        return "revoked" if key.is_revoked else "active"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scope"]
        return ["name", "user", "scope", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user", "scope"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            writers = User.objects.filter(
                is_active=True, is_superuser=False, groups__name__in=[CONTRIBUTOR, AUTHOR]
            ).exclude(groups__name=EDITOR)
            kwargs["queryset"] = (writers | User.objects.filter(pk=request.user.pk)).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: IntegrationKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
        else:
            obj.plain_key = integration_key_issue(key=obj, created_by=request.user)

    def response_add(self, request, obj: IntegrationKey, post_url_continue=None):
        """The key, once, in this response (not a message: those travel in a cookie)."""
        return TemplateResponse(
            request,
            "admin/accounts/integrationkey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Integration key made",
                "original": obj,
                "plain_key": obj.plain_key,
            },
        )

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            integration_key_revoke(key=key)
            self.log_change(request, key, "Revoked")
        self.message_user(request, "Revoked: requests with those keys are now refused (401).")
