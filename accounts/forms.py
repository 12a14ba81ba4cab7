"""The profile form, and the password-reset form open to accounts that have no password yet.

`ProfileForm` is what a writer may change about themselves: the public profile that the
author card and the author page show. Nothing else (roles, flags, e-mail, password).

Django's `PasswordResetForm.get_users` skips users without a usable password. Invited
writers and imported authors start that way and are told to use "forgot password" to
choose one (docs/editors.md, docs/import-export.md), so here every active account with
the address gets the mail. The mail is the same link an invitation carries.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from django import forms
from django.contrib.admin import widgets
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile

from .avatars import avatar_from_upload
from .models import User

PROFILE_FIELDS = ["display_name", "first_name", "last_name", "bio", "avatar"]


class AvatarMixin:
    """A form with the `avatar` field stores it re-encoded (accounts/avatars.py)."""

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if isinstance(avatar, UploadedFile):  # a new upload, not the stored file or a clear
            return avatar_from_upload(avatar)
        return avatar


class AdminUserChangeForm(AvatarMixin, auth_forms.UserChangeForm):
    """The admin's user form (superusers: every field; editors: a writer's profile)."""


class ProfileForm(AvatarMixin, forms.ModelForm):
    """The public profile: names, bio and avatar, in the admin's widgets."""

    class Meta:
        model = User
        fields = PROFILE_FIELDS
        widgets = {
            "display_name": widgets.AdminTextInputWidget,
            "first_name": widgets.AdminTextInputWidget,
            "last_name": widgets.AdminTextInputWidget,
            "bio": widgets.AdminTextareaWidget(attrs={"rows": 6}),
            "avatar": widgets.AdminFileWidget(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }
        labels = {"display_name": "Name shown to readers"}
        help_texts = {
            "display_name": "On every post's author card and your author page. "
            "Left blank, your first and last name are shown, else your username.",
            "bio": "A few lines about you, under your posts and on your author page "
            "(plain text: Markdown is not formatted here).",
            "avatar": "A square picture of you, shown small next to your name (JPEG, PNG "
            "or WebP, at most 2 MB; it is cropped to a square).",
        }


def _folded(address: str) -> str:
    return unicodedata.normalize("NFKC", address).casefold()


def _same_address(a: str, b: str) -> bool:
    """Equal ignoring case, the way Django's own form compares them."""
    return _folded(a) == _folded(b)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form; `get_users` without its usable-password condition."""

    def get_users(self, email: str) -> Iterator:
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if _same_address(email, user.email))
