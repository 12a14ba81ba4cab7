"""The password-reset form, open to accounts that have no password yet.

Django's `PasswordResetForm.get_users` skips users without a usable password. Invited
writers and imported authors start that way and are told to use "forgot password" to
choose one (docs/editors.md, docs/import-export.md), so here every active account with
the address gets the mail. The mail is the same link an invitation carries.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model


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
