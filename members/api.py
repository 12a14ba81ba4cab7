"""`/api/members/`: editors list, read, add, change and delete members.

Registered on the root router from `MembersConfig.ready()`, with the API's conventions:

- strict bodies (`api.strict`): `POST` takes `email` (the schema's `pattern`, stored
  lower-cased), `name`, `note`, `newsletters` (ids; left out: the default ones); the
  member is `active` at once, the editor vouching for the address as an import does.
  `PATCH` changes `name`, `note` and `newsletters` (the whole list). An address already
  a member is a 409, an unknown newsletter id a 409;
- `?status=`, `?newsletter=` (slugs, any of them), `?search=` (address or name),
  `?ordering=`; numbered pages, or with `?cursor=` (empty to start) cursor pages in the
  order members were added here (the members new since a saved cursor, imported ones
  included, not changes to earlier ones: docs/api.md);
- `ETag` on a member (its representation's version), `If-None-Match` → 304, `If-Match`
  on PATCH and DELETE → 412 when stale (checked with the row locked);
- deleting goes through `delete_member` (`member_deleted` first: the webhook).

Editors only (`members.*` model permissions): anyone else gets a 403, no credentials a 401.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.pagination import PostPagination, decode_cursor, encode_cursor, settled_until
from api.params import OrderingFilter, StrictQueryParamsMixin
from api.parsers import JSONParser
from api.problems import Conflict
from api.serializers import StrictModelSerializer
from api.strict import NO_NUL, StrictCharField, StrictPrimaryKeyRelatedField
from newsletters.api import EmailAddressField, ModelPermissions, RepresentationVersionMixin
from newsletters.models import Newsletter, Subscription
from newsletters.subscriptions import set_subscriptions

from .models import Member
from .services import create_member, delete_member

SEARCH_MAX = 200


class MemberSerializer(StrictModelSerializer):
    # Text, not `format: email`: a validator's idea of an address is narrower or wider
    # than ours (`newsletters.addresses`), and the schema must describe what we store.
    email = serializers.CharField(read_only=True, help_text="Lower-cased; one member each.")
    newsletters = StrictPrimaryKeyRelatedField(
        many=True,
        queryset=Newsletter.objects.all(),
        required=False,
        help_text="Ids of the newsletters they receive (the whole list).",
    )
    note = StrictCharField(
        required=False, allow_blank=True, max_length=5000, help_text="Editors only."
    )

    class Meta:
        model = Member
        fields = [
            "id", "email", "name", "note", "status", "source", "newsletters", "created_at",
            "confirmed_at", "email_disabled_at", "email_disabled_reason",
        ]  # fmt: skip
        read_only_fields = [
            "id", "email", "status", "source", "created_at", "confirmed_at",
            "email_disabled_at", "email_disabled_reason",
        ]  # fmt: skip

    def validate_newsletters(self, newsletters: list[Newsletter]) -> list[Newsletter]:
        """An archived newsletter sends nothing: nobody is added to one (a member who
        has it already keeps it, listed or not, as on the account page)."""
        member = self.instance
        have = set(member.newsletters.values_list("pk", flat=True)) if member else set()
        archived = sorted(n.slug for n in newsletters if not n.active and n.pk not in have)
        if archived:
            raise serializers.ValidationError(
                f"Archived newsletters take no new members: {', '.join(archived)}.",
                code="archived",
            )
        return newsletters

    def update(self, member: Member, validated_data: dict) -> Member:
        newsletters = validated_data.pop("newsletters", None)
        for name, value in validated_data.items():
            setattr(member, name, value)
        if validated_data:
            member.save(update_fields=list(validated_data))
        if newsletters is not None:  # as the account page: archived ones kept, never added
            set_subscriptions(member, newsletters)
        return member


class MemberCreateSerializer(MemberSerializer):
    email = EmailAddressField(help_text="Their address; stored lower-cased, one member each.")

    class Meta(MemberSerializer.Meta):
        read_only_fields = [f for f in MemberSerializer.Meta.read_only_fields if f != "email"]

    def validate_email(self, email: str) -> str:
        if Member.objects.filter(email=email).exists():
            raise serializers.ValidationError("This address is a member already.", code="unique")
        return email

    def create(self, validated_data: dict) -> Member:
        member, created = create_member(
            email=validated_data["email"],
            name=validated_data.get("name", ""),
            note=validated_data.get("note", ""),
            source=Member.Source.API,
            confirmed=True,
        )
        if not created:  # made by another request since `validate_email`
            raise Conflict("This address is a member already.")
        newsletters = validated_data.get("newsletters")
        if newsletters is not None:  # else: the defaults, as on confirmation
            set_subscriptions(member, newsletters)
        return member


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """`?name=a,b`: any of the values (OR)."""


class MemberFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Member.Status.choices)
    newsletter = CharInFilter(
        method="filter_newsletter", help_text="Newsletter slugs, comma-separated (any)."
    )

    class Meta:
        model = Member
        fields = []

    def filter_newsletter(self, queryset, name, value):
        # A subquery, not a join: a member of two of them is listed once.
        subscribed = Subscription.objects.filter(newsletter__slug__in=value).values("member_id")
        return queryset.filter(pk__in=subscribed)


class MemberSearchFilter(filters.SearchFilter):
    """`?search=`: a part of the address or the name (each word, all of them)."""

    def get_search_terms(self, request):
        query = request.query_params.get(self.search_param, "")
        if len(query) > SEARCH_MAX:
            raise ValidationError({self.search_param: [f"At most {SEARCH_MAX} characters."]})
        return super().get_search_terms(request)[:10]

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": "A part of the address or name (words: all of them).",
                "schema": {"type": "string", "maxLength": SEARCH_MAX, "pattern": NO_NUL},
            }
        ]


class MemberPagination(PostPagination):
    """Numbered pages, or cursor pages in the order members were added here (`added_at`,
    id: an imported member keeps the date they joined at the source as `created_at`).

    As for posts (`api.pagination.settled_until`), recent rows wait for a later page, so
    a member whose transaction commits after its stamp is not passed over; a member
    deleted mid-crawl is simply not there.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_mode = self.cursor_query_param in request.query_params
        if not self.cursor_mode:
            return super(PostPagination, self).paginate_queryset(queryset, request, view)
        refused = sorted(set(self.not_with_cursor) & set(request.query_params))
        if refused:
            message = "Not with `cursor`: cursor pages come in the order members were added."
            raise ValidationError({name: [message] for name in refused})
        self.request = request
        size = self.get_page_size(request)
        token = request.query_params[self.cursor_query_param]
        queryset = queryset.filter(added_at__lte=settled_until())
        if token:
            moment, pk = decode_cursor(token)
            queryset = queryset.filter(Q(added_at__gt=moment) | Q(added_at=moment, pk__gt=pk))
        rows = list(queryset.order_by("added_at", "pk")[: size + 1])
        self.has_more = len(rows) > size
        self.rows = rows[:size]
        last = self.rows[-1] if self.rows else None
        self.resume = encode_cursor(last.added_at, last.pk) if last else token
        return self.rows

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "Cursor pages in the order members were added to this site (an "
                    "import's included); empty to start. With it, "
                    "`ordering` and `page` are a 400. An unknown cursor is a 404."
                )
        return parameters


class MemberViewSet(RepresentationVersionMixin, StrictQueryParamsMixin, viewsets.ModelViewSet):
    """Members (editors only)."""

    queryset = Member.objects.all()
    serializer_class = MemberSerializer
    permission_classes = [ModelPermissions]
    parser_classes = [JSONParser]
    filter_backends = [DjangoFilterBackend, MemberSearchFilter, OrderingFilter]
    filterset_class = MemberFilter
    search_fields = ["email", "name"]
    ordering_fields = ["created_at", "email"]
    pagination_class = MemberPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    unique_fields = ("email",)  # an address already a member: 409
    reference_fields = ("newsletters",)  # an unknown newsletter: 409

    def get_queryset(self):
        newsletters = Prefetch("newsletters", queryset=Newsletter.objects.only("pk"))
        return Member.objects.prefetch_related(newsletters)

    def get_serializer_class(self):
        return MemberCreateSerializer if self.action == "create" else MemberSerializer

    @extend_schema(request=MemberCreateSerializer, responses={201: MemberSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = self.get_queryset().get(pk=serializer.save().pk)  # newsletters as saved
        self.action = "retrieve"  # the representation (and ETag) of a read
        return self.created(member)

    def perform_destroy(self, member: Member) -> None:
        delete_member(member)
