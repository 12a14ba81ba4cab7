"""`/api/images/`: the image library over the REST API.

Anonymous requests are a 401; any writer (Contributor and up) lists, reads and uploads
(multipart: `file`, `alt_text`, optional `caption`, `credit`); the uploader or an editor
changes the texts; only editors delete. A refused file is a 400 naming the reason.
"""

from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.filters import SearchFilter
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.params import OrderingFilter, StrictQueryParamsMixin
from api.parsers import JSONParser
from api.serializers import StrictModelSerializer

from . import permissions, services
from .body import markdown_for
from .models import Image
from .processing import RefusedImage


class ImagePermission(BasePermission):
    """Writers use the library; uploader or editor edits; editors delete."""

    message = "You may not change this image."

    def has_permission(self, request, view) -> bool:
        # Unauthenticated: False makes DRF answer 401 (the JWT scheme sends a challenge).
        return permissions.can_use(request.user)

    def has_object_permission(self, request, view, image: Image) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return permissions.can_delete(request.user, image)
        return permissions.can_change(request.user, image)


class RenditionSerializer(serializers.Serializer):
    url = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    mime_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")


class ImageSerializer(StrictModelSerializer):
    file = serializers.FileField(
        write_only=True, help_text="JPEG, PNG, WebP, GIF or AVIF; metadata is removed."
    )
    url = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    markdown = serializers.SerializerMethodField(help_text="How to place it in a post body.")

    class Meta:
        model = Image
        fields = [
            "id",
            "file",
            "url",
            "alt_text",
            "caption",
            "credit",
            "format",
            "width",
            "height",
            "size",
            "renditions",
            "markdown",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = ["format", "width", "height", "size", "created_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # the file of a stored image never changes
            fields.pop("file")
        return fields

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def get_url(self, image: Image) -> str:
        return self._absolute(image.url)

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image: Image) -> list[dict]:
        return [
            {**rendition.candidate.__dict__, "url": self._absolute(rendition.candidate.url)}
            for rendition in image.renditions.all()
        ]

    def get_markdown(self, image: Image) -> str:
        return markdown_for(image)

    def create(self, validated_data: dict) -> Image:
        try:
            return services.image_create(
                upload=validated_data["file"],
                alt_text=validated_data["alt_text"],
                caption=validated_data.get("caption", ""),
                credit=validated_data.get("credit", ""),
                uploaded_by=self.context["request"].user,
            )
        except RefusedImage as refused:
            raise serializers.ValidationError({"file": [str(refused)]}) from None


class ImageChangeSerializer(ImageSerializer):
    """What a change takes (the schema of PUT and PATCH): the texts, never the file."""

    class Meta(ImageSerializer.Meta):
        fields = [name for name in ImageSerializer.Meta.fields if name != "file"]


@extend_schema_view(
    create=extend_schema(request={"multipart/form-data": ImageSerializer}),
    update=extend_schema(request=ImageChangeSerializer),
    partial_update=extend_schema(request=ImageChangeSerializer),
)
@method_decorator(never_cache, name="dispatch")  # a writer's library: kept by no cache
class ImageViewSet(
    StrictQueryParamsMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The image library: writers list, read and upload; editors delete."""

    serializer_class = ImageSerializer
    permission_classes = [ImagePermission]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["alt_text", "caption", "credit"]
    ordering_fields = ["created_at", "width"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return Image.objects.select_related("uploaded_by").prefetch_related("renditions")

    def perform_destroy(self, instance: Image) -> None:
        services.image_delete(image=instance)
