"""`/api/webhooks/`: editors register endpoints and read their delivery log.

The deliveries themselves are described in the schema's OpenAPI 3.1 `webhooks` (one per
event, `SPECTACULAR_SETTINGS["WEBHOOKS"]`): the JSON body `WebhookPayload` and the
headers that sign it, so a receiver can be generated and checked like a client.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiWebhook, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api.params import StrictQueryParamsMixin
from api.parsers import JSONParser
from api.serializers import StrictModelSerializer
from api.strict import HTTPURLField
from blog.models import Post
from blog.permissions import is_editor
from members.models import Member

from .models import Delivery, Endpoint, Event
from .ssrf import BlockedAddress, check_url


class IsEditor(permissions.BasePermission):
    """Webhooks see every post event: editors only."""

    message = "Only editors manage webhooks."

    def has_permission(self, request, view) -> bool:
        return is_editor(request.user)


class EndpointSerializer(StrictModelSerializer):
    url = HTTPURLField(max_length=500, help_text="Where deliveries are POSTed.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices),
        required=False,
        help_text="Events to receive; empty for all.",
    )
    secret = serializers.CharField(
        read_only=True, help_text="Verify the Broadsheet-Signature header with this."
    )

    class Meta:
        model = Endpoint
        fields = [
            "id", "url", "description", "events", "is_active", "secret",
            "consecutive_failures", "disabled_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "secret", "consecutive_failures", "disabled_at", "created_at"]

    def validate_url(self, url: str) -> str:
        """A private, loopback or link-local address is refused by policy, a 403: the URL
        itself is well formed (and the schema cannot tell addresses apart)."""
        try:
            check_url(url, resolve=False)  # resolved again at every delivery
        except BlockedAddress as error:
            raise PermissionDenied(str(error), code="blocked_address") from error
        return url

    def update(self, endpoint: Endpoint, validated_data: dict) -> Endpoint:
        if validated_data.get("is_active"):
            validated_data.update(consecutive_failures=0, disabled_at=None, failing_since=None)
        return super().update(endpoint, validated_data)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id", "event", "status", "attempts", "last_status_code", "last_response",
            "last_error", "created_at", "last_attempt_at", "payload",
        ]  # fmt: skip
        read_only_fields = fields


@method_decorator(never_cache, name="dispatch")  # signing secrets: kept by no cache
class EndpointViewSet(StrictQueryParamsMixin, viewsets.ModelViewSet):
    """Webhook endpoints (editors only)."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    permission_classes = [IsEditor]
    parser_classes = [JSONParser]
    filter_backends = []
    list_actions = ("list", "deliveries")  # both paginated

    def perform_create(self, serializer) -> None:
        serializer.save(created_by=self.request.user)

    @extend_schema(
        summary="The delivery log of one endpoint, newest first.",
        responses=DeliverySerializer(many=True),
    )
    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request: Request, pk: str) -> Response:
        page = self.paginate_queryset(self.get_object().deliveries.all())
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class WebhookPostSerializer(serializers.Serializer):
    """The post an event is about (`webhooks.signals.post_data`); a deletion names only
    its `id` and `slug`."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField(required=False)
    url = serializers.CharField(required=False, help_text="The post's public page.")
    state = serializers.ChoiceField(choices=Post.State.choices, required=False)
    published_at = serializers.DateTimeField(required=False, allow_null=True)
    updated_at = serializers.DateTimeField(required=False)


class WebhookCommentPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The post's public page.")


class WebhookCommentSerializer(serializers.Serializer):
    """The comment a `comment.*` event is about (`webhooks.comment_events.comment_data`):
    never the author's e-mail or address."""

    id = serializers.IntegerField()
    post = WebhookCommentPostSerializer()
    parent = serializers.IntegerField(allow_null=True, help_text="The comment replied to.")
    author_name = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "approved"])
    created_at = serializers.DateTimeField()
    sequence = serializers.IntegerField(help_text="Grows with every event of the comment.")


class WebhookDataSerializer(serializers.Serializer):
    post = WebhookPostSerializer(required=False, help_text="`post.*` events.")
    comment = WebhookCommentSerializer(required=False, help_text="`comment.*` events.")


class WebhookPayloadSerializer(serializers.Serializer):
    """The JSON body of every delivery (`webhooks.services.dispatch`)."""

    id = serializers.IntegerField(help_text="The delivery's id (also `Broadsheet-Delivery`).")
    event = serializers.ChoiceField(choices=Event.choices)
    created_at = serializers.DateTimeField()
    data = WebhookDataSerializer()


DELIVERY_HEADERS = (
    "Sent as a signed `POST` with `Content-Type: application/json` and the headers "
    "`Broadsheet-Event` (the event), `Broadsheet-Delivery` (the delivery id: deduplicate "
    "retries on it) and `Broadsheet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
    '"<t>.<body>" with the endpoint\'s secret>`. Answer any 2xx; anything else is retried '
    "with backoff."
)


def _webhook(event: Event, summary: str) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event.value,
        decorator=extend_schema(
            summary=summary,
            description=DELIVERY_HEADERS,
            request=WebhookPayloadSerializer,
            responses={200: None},
        ),
    )


post_published = _webhook(Event.PUBLISHED, "A post went public (when it goes live).")
post_updated = _webhook(Event.UPDATED, "A live, announced post was saved.")
post_unpublished = _webhook(Event.UNPUBLISHED, "A live post was hidden again.")
post_deleted = _webhook(Event.DELETED, "A live post was deleted.")


class WebhookMemberSerializer(serializers.Serializer):
    """The member an event is about (`webhooks.audience`); a deletion names only its id."""

    id = serializers.IntegerField()
    email = serializers.CharField(required=False, help_text="member.created only.")
    status = serializers.ChoiceField(choices=Member.Status.choices, required=False)
    source = serializers.ChoiceField(choices=Member.Source.choices, required=False)
    created_at = serializers.DateTimeField(required=False)


class MemberDataSerializer(serializers.Serializer):
    member = WebhookMemberSerializer()


class MemberPayloadSerializer(serializers.Serializer):
    """The JSON body of `member.created` and `member.deleted` deliveries."""

    id = serializers.IntegerField(help_text="The delivery's id (also `Broadsheet-Delivery`).")
    event = serializers.ChoiceField(choices=Event.choices)
    created_at = serializers.DateTimeField()
    data = MemberDataSerializer()


class IssueRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    week = serializers.DateField(allow_null=True, help_text="A digest's Monday; else null.")
    finished_at = serializers.DateTimeField(allow_null=True)


class NewsletterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PostRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The post's public page.")


class IssueCountsSerializer(serializers.Serializer):
    recipients = serializers.IntegerField()
    pending = serializers.IntegerField()
    sending = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    uncertain = serializers.IntegerField()
    bounced = serializers.IntegerField()
    cancelled = serializers.IntegerField(
        help_text="Never sent: the post was taken down first, or the member left."
    )


class IssueDataSerializer(serializers.Serializer):
    issue = IssueRefSerializer()
    newsletter = NewsletterRefSerializer()
    post = PostRefSerializer(allow_null=True, help_text="Null for a weekly digest.")
    counts = IssueCountsSerializer(help_text="Deliveries of the issue by outcome.")


class NewsletterSentPayloadSerializer(serializers.Serializer):
    """The JSON body of a `newsletter.sent` delivery."""

    id = serializers.IntegerField(help_text="The delivery's id (also `Broadsheet-Delivery`).")
    event = serializers.ChoiceField(choices=Event.choices)
    created_at = serializers.DateTimeField()
    data = IssueDataSerializer()


def _audience_webhook(event: Event, summary: str, payload) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event.value,
        decorator=extend_schema(
            summary=summary, description=DELIVERY_HEADERS, request=payload, responses={200: None}
        ),
    )


member_created = _audience_webhook(
    Event.MEMBER_CREATED,
    "A member was added (sign-up, import, API, admin).",
    MemberPayloadSerializer,
)
member_deleted = _audience_webhook(
    Event.MEMBER_DELETED, "A member was deleted (their id only).", MemberPayloadSerializer
)
newsletter_sent = _audience_webhook(
    Event.NEWSLETTER_SENT,
    "Every delivery of a newsletter issue has an outcome.",
    NewsletterSentPayloadSerializer,
)


comment_created = _webhook(Event.COMMENT_CREATED, "A member posted a comment (any status).")
comment_approved = _webhook(Event.COMMENT_APPROVED, "A comment became visible to readers.")
