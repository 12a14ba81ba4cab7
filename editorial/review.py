"""The review queue: a Contributor submits, editors are told, an editor returns with a note.

Publishing and scheduling an In-review post are the form's ordinary buttons; this module
holds what else happens: who is told (by e-mail, through the worker, after the commit)
and the note the writer sees.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from blog.models import Post
from core.sitevalues import site_values
from core.tasks import enqueue_on_commit


def reviewers():
    """Active users who review (Editors and superusers) and have an address."""
    perm = Q(groups__permissions__codename="edit_any_post") | Q(
        user_permissions__codename="edit_any_post"
    )
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | perm, is_active=True)
        .exclude(email="")
        .distinct()
    )


def _admin(post: Post) -> str:
    """The admin's URL names of the post's kind: pages have their own admin."""
    return "pages_page" if post.kind == Post.Kind.PAGE else "blog_post"


def admin_link(post: Post) -> str:
    return settings.SITE_URL + reverse(f"admin:{_admin(post)}_change", args=[post.pk])


def review_submitted(*, post: Post) -> None:
    """A post just went In review: clear an old note, tell the editors after the commit."""
    from .tasks import mail_review_request

    if post.review_note:
        Post.all_kinds.filter(pk=post.pk).update(review_note="")
        post.review_note = ""
    enqueue_on_commit(mail_review_request, post.pk)


def review_returned(*, post: Post, note: str) -> None:
    """An editor sent the post back as a draft with `note`; tell its writer."""
    from .tasks import mail_review_returned

    Post.all_kinds.filter(pk=post.pk).update(review_note=note)
    post.review_note = note
    enqueue_on_commit(mail_review_returned, post.pk)


def mail_request(post: Post) -> int:
    """The e-mail to every reviewer; returns how many were addressed."""
    recipients = sorted(reviewers().values_list("email", flat=True))
    if not recipients:
        return 0
    send_mail(
        subject=f"[{site_values().name}] Waiting for review: {post.title}",
        message=(
            f"{post.author.public_name} submitted “{post.title}” for review.\n\n"
            f"Publish it, schedule it or return it with a note:\n{admin_link(post)}\n\n"
            "Everything waiting for review: "
            f"{settings.SITE_URL}{reverse(f'admin:{_admin(post)}_changelist')}?state=review\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def mail_returned(post: Post) -> int:
    if not post.author.email:
        return 0
    send_mail(
        subject=f"[{site_values().name}] Returned to you: {post.title}",
        message=(
            f"An editor returned “{post.title}” to you as a draft, with this note:\n\n"
            f"{post.review_note}\n\nEdit it here: {admin_link(post)}\n"
        ),
        from_email=None,
        recipient_list=[post.author.email],
    )
    return 1
