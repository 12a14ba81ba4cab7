"""Celery tasks of the newsroom: load by id, call `editorial.review`.

A mail task sent twice (a redelivery after a lost worker) mails twice; we prefer that to
a lost review request. A post that is no longer In review is not announced.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from blog.models import Post

from . import review

MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**MAIL_RETRY)
def mail_review_request(post_id: int) -> int:
    post = Post.all_kinds.select_related("author").filter(pk=post_id).first()
    if post is None or post.status != Post.Status.REVIEW:
        return 0
    return review.mail_request(post)


@shared_task(**MAIL_RETRY)
def mail_review_returned(post_id: int) -> int:
    post = Post.all_kinds.select_related("author").filter(pk=post_id).first()
    if post is None or not post.review_note:
        return 0
    return review.mail_returned(post)
