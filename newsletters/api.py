"""`/api/newsletters/`: editors list, read, add, change and delete newsletters.

Registered on the root router from `NewslettersConfig.ready()`. The conventions of the
rest of the API: strict bodies (`api.strict`), problem details, numbered pages, and
conditional requests — a newsletter's `ETag` names its representation
(`RepresentationVersionMixin`, shared with `/api/members/`), `If-Match` on PATCH, PUT and
DELETE is checked with the row locked, a stale one is a 412.

A newsletter that has sent issues cannot be deleted (they are the record of what was
sent): a 409; archive it instead (`active: false`).
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.validators import UniqueValidator

from api.params import OrderingFilter, StrictQueryParamsMixin
from api.parsers import JSONParser
from api.problems import Conflict, PreconditionFailed
from api.schema import Problem
from api.serializers import StrictModelSerializer
from api.strict import StrictCharField, StrictSlugField
from core.origin import site_url

from .addresses import EMAIL_MAX_LENGTH, EMAIL_PATTERN, is_valid_email
from .models import Newsletter


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model's view / add / change / delete permission for each method: the Editor
    role holds them (accounts.roles); anyone else gets a 403, no credentials a 401."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class EmailAddressField(StrictCharField):
    """An e-mail address matching `EMAIL_PATTERN` (the schema's `pattern`), lower-cased."""

    schema_pattern = EMAIL_PATTERN
    default_error_messages = {
        **StrictCharField.default_error_messages,
        "email": "An e-mail address, like name@example.com.",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        address = super().to_internal_value(data)
        if address and not is_valid_email(address):
            self.fail("email")
        return address.lower()


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not "3", 3.5 or true (3.0 is one, as JSON Schema counts)."""

    def to_internal_value(self, data):
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class NewsletterSerializer(StrictModelSerializer):
    slug = StrictSlugField(
        max_length=120,
        validators=[UniqueValidator(queryset=Newsletter.objects.all())],
        help_text="In addresses and the members' export; unique.",
    )
    sender_email = EmailAddressField(
        required=False, allow_blank=True, help_text="Blank: the site's DEFAULT_FROM_EMAIL."
    )
    reply_to = EmailAddressField(required=False, allow_blank=True)
    order = StrictIntegerField(required=False, min_value=0, max_value=2**31 - 1)

    class Meta:
        model = Newsletter
        fields = [
            "id", "name", "slug", "description", "sender_name", "sender_email", "reply_to",
            "subscribe_by_default", "cadence", "active", "order", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]


def representation_version(data: dict) -> str:
    """A version token naming one representation: any change of what a client reads
    changes it (a strong ETag; no column to keep in step)."""
    text = json.dumps(data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RepresentationVersionMixin:
    """ETag on a detail and on writes; If-None-Match → 304; If-Match checked under a row
    lock on PATCH, PUT and DELETE (412 problem when stale)."""

    conditional_reads = True  # api.schema: ETag, 304
    conditional_writes = True  # api.schema: If-Match, 412

    def _etag(self, instance) -> str:
        return quote_etag(representation_version(self.get_serializer(instance).data))

    def _check(self, request: Request, instance) -> Response | None:
        response = get_conditional_response(request, etag=self._etag(instance))
        if response is not None and response.status_code == 412:
            raise PreconditionFailed()
        return response

    def _locked(self, instance):
        locked = self.get_queryset().select_for_update(of=("self",)).get(pk=instance.pk)
        self._check(self.request, locked)
        return locked

    def _with_etag(self, response: Response, instance) -> Response:
        response["ETag"] = self._etag(instance)
        return response

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        instance = self.get_object()
        not_modified = self._check(request, instance)
        if not_modified is not None:
            not_modified["ETag"] = self._etag(instance)
            return not_modified
        return self._with_etag(Response(self.get_serializer(instance).data), instance)

    def update(self, request: Request, *args, **kwargs) -> Response:
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self._locked(self.get_object())
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            serializer.save()
        instance = self.get_queryset().get(pk=instance.pk)
        return self._with_etag(Response(self.get_serializer(instance).data), instance)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            self.perform_destroy(self._locked(self.get_object()))
        return Response(status=204)

    def created(self, instance) -> Response:
        """201 with the representation, its ETag and `Location` (absolute)."""
        location = site_url(f"{self.request.path}{instance.pk}/")
        response = Response(self.get_serializer(instance).data, status=201)
        response["Location"] = location
        return self._with_etag(response, instance)


@extend_schema(
    methods=["DELETE"],
    responses={
        204: None,
        409: OpenApiResponse(Problem, description="It has sent issues: archive it instead."),
    },
)
class NewsletterViewSet(RepresentationVersionMixin, StrictQueryParamsMixin, viewsets.ModelViewSet):
    """Newsletters (editors only)."""

    queryset = Newsletter.objects.all()
    serializer_class = NewsletterSerializer
    permission_classes = [ModelPermissions]
    parser_classes = [JSONParser]
    filter_backends = [OrderingFilter]
    ordering_fields = ["order", "name", "created_at"]
    unique_fields = ("slug",)  # a taken slug is a 409

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.created(serializer.save())

    def perform_destroy(self, newsletter: Newsletter) -> None:
        try:
            with transaction.atomic():
                newsletter.delete()
        except ProtectedError as error:
            raise Conflict(
                "This newsletter has sent issues, the record of what was sent: archive it "
                "(`active: false`) instead of deleting it."
            ) from error
