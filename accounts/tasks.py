"""Celery tasks of accounts: load by id, call `accounts.invites`."""

import smtplib

from celery import shared_task

from .invites import invitation_mail
from .models import User


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=6,
)
def mail_invitation(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False  # gone, or already set a password: the link is not needed
    invitation_mail(user)
    return True
