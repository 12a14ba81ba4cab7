"""Bounces, complaints and opens reported by the mail provider (django-anymail's webhooks).

anymail turns each provider's webhook (`/anymail/<provider>/tracking/`, mounted in
config/urls.py) into a normalised `AnymailTrackingEvent` and sends its `tracking` signal
once it has checked the request (basic auth with `ANYMAIL["WEBHOOK_SECRET"]`, and the
provider's signature where there is one). Here:

    bounced, complained, unsubscribed,         the member's address takes no more mail
    rejected (invalid, bounced, spam,          (email_disabled_at and the reason, through
      unsubscribed)                            Delivery.member); the delivery: bounced
    opened                                     the delivery's opened_at (first open only)

A delivery is found by the provider's message id (stored when it was sent); an event
without an id, by the recipient's latest delivery. The member is found through the
delivery, or by address when no delivery matches (a sign-in mail bouncing says as much
about the address). newsletters never imports members: the model comes from `Delivery.member`.

Without a webhook secret anymail accepts any caller (with a warning): then nothing here
acts, so no one can switch off members' mail by posting made-up bounces.
"""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, tracking
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from .models import Delivery

logger = logging.getLogger(__name__)

SUPPRESS = {"bounced", "complained", "unsubscribed"}
PERMANENT_REJECTIONS = {"invalid", "bounced", "spam", "unsubscribed"}
MARK_BOUNCED = {"bounced", "complained", "rejected"}


def _secret_configured() -> bool:
    return bool(getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"))


def _delivery_for(event: AnymailTrackingEvent) -> Delivery | None:
    """The delivery the event is about: by the provider's message id; only an event
    without one falls back to the latest delivery to the address (an id we never stored
    is another mail, a sign-in link say: no delivery of ours)."""
    if event.message_id:
        return Delivery.objects.filter(message_id=str(event.message_id)).first()
    if event.recipient:
        return (
            Delivery.objects.filter(email__iexact=event.recipient)
            .order_by("-sent_at", "-pk")
            .first()
        )
    return None


# Postmark reports soft bounces (a full mailbox, a virus scan) as bounces too; they stop
# nothing unless Postmark itself deactivated the address ("Inactive").
POSTMARK_SOFT = {"SoftBounce", "VirusNotification", "Transient", "DnsError"}


def _suppresses(event: AnymailTrackingEvent) -> bool:
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if esp_event.get("Type") in POSTMARK_SOFT and not esp_event.get("Inactive"):
        return False
    if event.event_type in SUPPRESS:
        return True
    return event.event_type == "rejected" and event.reject_reason in PERMANENT_REJECTIONS


def _reason(event: AnymailTrackingEvent, esp_name: str) -> str:
    detail = event.description or event.mta_response or event.reject_reason or ""
    return f"{esp_name} reported {event.event_type}" + (f": {detail}" if detail else "")


@receiver(tracking, dispatch_uid="newsletters.tracking")
def provider_event(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    if not _secret_configured():
        logger.warning("%s webhook ignored: ANYMAIL_WEBHOOK_SECRET is not set", esp_name)
        return
    if event.event_type == "opened":
        delivery = _delivery_for(event)
        if delivery is not None:
            Delivery.objects.filter(pk=delivery.pk, opened_at__isnull=True).update(
                opened_at=event.timestamp or timezone.now()
            )
        return
    if not _suppresses(event):
        return
    with transaction.atomic():
        delivery = _delivery_for(event)
        reason = _reason(event, esp_name)[:200]
        now = timezone.now()
        if delivery is not None:
            if event.event_type in MARK_BOUNCED:
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.BOUNCED, error=reason[:500]
                )
            member_model = Delivery._meta.get_field("member").related_model
            members = member_model.objects.filter(pk=delivery.member_id)
        else:
            member_model = Delivery._meta.get_field("member").related_model
            members = member_model.objects.filter(email__iexact=event.recipient or "")
        disabled = members.filter(email_disabled_at__isnull=True).update(
            email_disabled_at=now, email_disabled_reason=reason
        )
    logger.info(
        "%s %s for %s: delivery %s, %d member address(es) disabled",
        esp_name,
        event.event_type,
        event.recipient,
        delivery.pk if delivery else None,
        disabled,
    )
