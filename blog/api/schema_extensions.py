"""drf-spectacular extensions for blog's own serializer fields (loaded by the serializers)."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension

from api.strict import NOT_BLANK, string_pattern

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


class MembersBodyExtension(OpenApiSerializerFieldExtension):
    """`body` and `body_html`: text, or null in a response for a reader who may not read
    a members-only post's body; a request's `body` is text (with its `pattern`, as
    `api.schema.TextPatterns` gives every text field: this extension takes its place)."""

    target_class = "blog.api.serializers.MembersBody"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        # drf-spectacular's own mapping, as its extension docstring says to take it.
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema.setdefault("pattern", string_pattern(self.target))
        else:
            schema["nullable"] = True  # a "null" type in 3.1 (api.schema.nullable_as_null_type)
        return schema
