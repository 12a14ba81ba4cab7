"""Inviting a writer: one step makes the account with its role and mails a set-password link.

The account has no usable password until the writer picks one through the link (Django's
password-reset token, so the link dies once used or after PASSWORD_RESET_TIMEOUT).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.sitevalues import site_values

from .models import User
from .roles import set_role
from .usernames import username_clean


def writer_invite(*, email: str, username: str, display_name: str, role: str) -> User:
    """Create the account (staff by its role) and mail the invitation after the commit.

    The username must pass accounts/usernames.py (`ValidationError` otherwise).
    """
    from core.tasks import enqueue_on_commit

    from .tasks import mail_invitation

    user = User(username=username_clean(username), email=email, display_name=display_name)
    user.set_unusable_password()
    user.save()
    set_role(user, role)
    enqueue_on_commit(mail_invitation, user.pk)
    return user


def set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL + path


def invitation_mail(user: User) -> None:
    send_mail(
        subject=f"You are invited to write for {site_values().name}",
        message=(
            f"Hello {user.public_name},\n\n"
            f"You have an account on {site_values().name}. Your username is {user.username}.\n"
            f"Choose your password here (the link works once):\n{set_password_link(user)}\n\n"
            f"Then log in to write: {settings.SITE_URL}{reverse('admin:index')}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )
