"""drf-spectacular extensions for blog's own serializer fields (loaded by the serializers)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from api.strict import NOT_BLANK

from ..models import Tag


class TagSlugFieldExtension(OpenApiSerializerFieldExtension):
    """A post's tags: `{slug, name}` objects in responses, slugs in requests."""

    target_class = "blog.api.serializers.TagSlugField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            from .serializers import TagRefSerializer

            return auto_schema.resolve_serializer(TagRefSerializer, direction).ref
        return {
            "type": "string",
            "maxLength": Tag._meta.get_field("name").max_length,
            "pattern": NOT_BLANK,
            "description": "A tag slug (editors: or a new tag's name).",
        }
