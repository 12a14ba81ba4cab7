"""Post events for webhooks, from the blog's own signals (blog never imports webhooks).

- post.published: when the publish sweep announces a post (`post_went_public`), so a
  scheduled post fires when it goes live, not when it was saved;
- post.updated: a save of a post that is live and already announced;
- post.unpublished: a save that hides a post that was live;
- post.deleted: deleting a live post.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from blog.models import Post
from blog.sweep import post_went_public

from .models import Endpoint, Event
from .services import dispatch


def post_data(post: Post) -> dict:
    return {
        "post": {
            "id": post.pk,
            "slug": post.slug,
            "title": post.title,
            "url": post.get_absolute_url(),
            "state": post.state,
            "published_at": post.published_at,
            "updated_at": post.updated_at,
        }
    }


def _listening() -> bool:
    """Any endpoint, active or not: a disabled one's events are held for it."""
    return Endpoint.objects.exists()


@receiver(post_went_public, sender=Post)
def went_public(sender, post_ids: list[int], **kwargs) -> None:
    if _listening():
        for post in Post.objects.filter(pk__in=post_ids):
            dispatch(event=Event.PUBLISHED, data=post_data(post))


@receiver(pre_save, sender=Post)
def remember_if_live(sender, instance: Post, **kwargs) -> None:
    instance._webhooks_was_live = bool(
        instance.pk
        and _listening()
        and Post.objects.filter(pk=instance.pk, announced_at__isnull=False).exists()
    )


@receiver(post_save, sender=Post)
def saved(sender, instance: Post, created: bool, **kwargs) -> None:
    if not getattr(instance, "_webhooks_was_live", False):
        return
    event = Event.UPDATED if instance.is_public else Event.UNPUBLISHED
    dispatch(event=event, data=post_data(instance))


@receiver(post_delete, sender=Post)
def deleted(sender, instance: Post, **kwargs) -> None:
    if instance.is_public and _listening():
        dispatch(event=Event.DELETED, data={"post": {"id": instance.pk, "slug": instance.slug}})
