"""docs/decisions/0011-drf-spectacular-default-mapping.md: the schema extensions of
`api.schema` start from drf-spectacular's default mapping, through the calls its
extension API documents. An upgrade that renames them fails here, by name, rather than
as a schema that quietly lost its patterns."""

import inspect

from drf_spectacular.extensions import (
    OpenApiSerializerExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema


def test_the_default_mapping_can_still_be_asked_for_from_an_extension():
    for name in ("_map_serializer", "_map_serializer_field"):
        parameters = inspect.signature(getattr(AutoSchema, name)).parameters
        assert "bypass_extensions" in parameters, name
    assert "_map_serializer(" in inspect.getsource(OpenApiSerializerExtension.map_serializer)
    assert "_map_serializer_field(" in (OpenApiSerializerFieldExtension.__doc__ or "")
