"""Member and newsletter events for webhooks, from the domain signals of `members` and
`newsletters` (`members.events`, `newsletters.events`; neither imports webhooks):

- member.created: a new member, from any door: its id, address, status, source and when
  it joined. A member made by an editor, the API or an import is announced when it is
  made (pending or active: `status` says so); one from the sign-up form when its address
  is confirmed (`members.services.activate`): an address someone typed is not a member
  yet, and is forgotten if never confirmed. Confirming sends no second event;
- member.deleted: the member's id only. The address left with the member: a receiver
  that kept it deletes it by id (the member asked to be forgotten, or an editor did);
- newsletter.sent: an issue whose every delivery has an outcome: the issue, its
  newsletter, its post (id and public URL) and the counts of its deliveries by outcome.

The member events reach only endpoints that list them (`webhooks.models.OPT_IN_EVENTS`:
an endpoint of "all events" gets no addresses unasked). Like the post events
(`webhooks.signals`), each is a `Delivery` row written in the
writing transaction (`webhooks.services.dispatch`), sent after the commit; with no
endpoint the cost is one `exists()` query (for an import, one per batch of rows).
"""

from __future__ import annotations

from django.db.models import Count
from django.dispatch import receiver
from rest_framework.fields import DateTimeField

from core.origin import site_url
from members.events import member_created, member_deleted
from members.models import Member
from newsletters.events import newsletter_sent
from newsletters.models import Delivery as NewsletterDelivery
from newsletters.models import Issue

from .models import Endpoint, Event
from .services import dispatch

_api_time = DateTimeField().to_representation


def _listening() -> bool:
    return Endpoint.objects.exists()


_batch_checked: tuple[int, bool] = (0, False)  # (id of the batch, whether anyone listens)


def _listening_for(member: Member, batch: list[Member] | None) -> bool:
    """`_listening()`, asked once per batch of an import (`members.importing` sends
    `batch`, the members one write created): not one query per imported row."""
    global _batch_checked
    if not batch:
        return _listening()
    if member is batch[0] or _batch_checked[0] != id(batch):
        _batch_checked = (id(batch), _listening())
    return _batch_checked[1]


def member_data(member: Member) -> dict:
    return {
        "member": {
            "id": member.pk,
            "email": member.email,
            "status": member.status,
            "source": member.source,
            "created_at": _api_time(member.created_at),
        }
    }


def issue_data(issue: Issue) -> dict:
    counts = dict(issue.deliveries.order_by().values_list("status").annotate(n=Count("pk")))
    post = issue.post
    return {
        "issue": {
            "id": issue.pk,
            "subject": issue.subject,
            "week": issue.week.isoformat() if issue.week else None,
            "finished_at": issue.finished_at and _api_time(issue.finished_at),
        },
        "newsletter": {
            "id": issue.newsletter_id,
            "slug": issue.newsletter.slug,
            "name": issue.newsletter.name,
        },
        "post": post and {"id": post.pk, "url": site_url(post.get_absolute_url())},
        "counts": {
            "recipients": sum(counts.values()),
            **{status: counts.get(status, 0) for status in NewsletterDelivery.Status.values},
        },
    }


@receiver(member_created, dispatch_uid="webhooks-member-created")
def created(sender, member: Member, batch: list[Member] | None = None, **kwargs) -> None:
    if _listening_for(member, batch):
        dispatch(event=Event.MEMBER_CREATED, data=member_data(member))


@receiver(member_deleted, dispatch_uid="webhooks-member-deleted")
def deleted(sender, member: Member, **kwargs) -> None:
    if _listening():
        dispatch(event=Event.MEMBER_DELETED, data={"member": {"id": member.pk}})


@receiver(newsletter_sent, dispatch_uid="webhooks-newsletter-sent")
def sent(sender, issue: Issue, **kwargs) -> None:
    if _listening():
        dispatch(event=Event.NEWSLETTER_SENT, data=issue_data(issue))
