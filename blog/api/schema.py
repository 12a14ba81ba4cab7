"""OpenAPI details drf-spectacular cannot infer: error responses and anonymous reads.

`APISchema` (the project's `DEFAULT_SCHEMA_CLASS`) adds to every operation the error
responses it really gives, each with the problem-details body of `blog.api.problems`, and
the 304 of a conditional GET where the view supports one. A view says what applies with
class attributes: `conditional_writes` (If-Match → 412 on PUT/PATCH/DELETE),
`unique_fields` (409 on writes), `conditional_reads` (304).

drf-spectacular marks an operation as open to anonymous clients only for DRF's
`AllowAny` and `IsAuthenticatedOrReadOnly`. Views whose permission class lets anonymous
clients read (`PostPermission`, `DjangoModelPermissionsOrAnonReadOnly`) use
`AnonymousReadsSchema`, so their GET operations are documented as needing no token.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from .params import INTEGER_PARAMS, MAY_BE_EMPTY
from .problems import MEDIA_TYPE
from .strict import NO_NUL, string_pattern


class FieldError(serializers.Serializer):
    field = serializers.CharField(help_text='Dotted path, e.g. "tags.0"; "" for the body.')
    message = serializers.CharField()
    code = serializers.CharField(help_text="Stable, e.g. required, blank, invalid, unique.")


class Problem(serializers.Serializer):
    """RFC 9457 problem details, the body of every error (`application/problem+json`)."""

    type = serializers.CharField(help_text="A URN naming the kind of problem.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong this time, for humans.")
    code = serializers.CharField(help_text="Stable machine-readable code.")
    errors = FieldError(many=True, required=False, help_text="Per-field messages.")


DESCRIPTIONS = {
    "400": "Invalid body or query parameters (problem `invalid`, per-field `errors`).",
    "401": "No credentials for a write, or a bad or expired token.",
    "403": "You may see this but not do that.",
    "404": "Not there, or not visible to you.",
    "406": "No representation matches the Accept header.",
    "409": (
        "Conflicts with the current state: a name that must be unique is taken, or a "
        "referenced object (category, image, tag) does not exist (`code: conflict`, "
        "`errors` names the field)."
    ),
    "412": "The resource changed since the version named by If-Match / If-Unmodified-Since.",
    "413": "The body is larger than the API accepts.",
    "415": "The body is not application/json.",
    "429": "Throttled (or locked out); Retry-After says when to come back.",
}


class APISchema(AutoSchema):
    """Documents the real error responses of every operation (see the module docstring),
    and the `pattern` of every text field a request sends (`blog.api.strict`)."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and isinstance(result, dict)
            and result.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(result)
        ):
            result["pattern"] = string_pattern(field)
        return result

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        serializer_class = getattr(self.view, "serializer_class", None)
        shape = getattr(serializer_class, "shape_params", ())
        if shape and self.method == "GET" and getattr(self.view, "action", "") != "tombstones":
            names = list(serializer_class.Meta.fields)
            names = [n for n in names if not serializer_class().fields[n].write_only]
            for name, verb in zip(shape, ("Only these", "All but these"), strict=True):
                parameters.append(
                    OpenApiParameter(
                        name,
                        {"type": "array", "items": {"type": "string", "enum": names}},
                        OpenApiParameter.QUERY,
                        description=f"{verb} top-level fields, comma-separated.",
                        style="form",
                        explode=False,
                    )
                )
        return parameters

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem = self._get_response_for_code(Problem, "400", direction=direction)["content"]
        problem = {MEDIA_TYPE: next(iter(problem.values()))}
        for status in self._error_statuses():
            responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": problem})
        if self.method == "GET" and getattr(self.view, "conditional_reads", False):
            responses.setdefault(
                "304", {"description": "Not modified since the ETag / date you sent."}
            )
        return dict(sorted(responses.items()))

    def _action(self) -> str:
        return getattr(self.view, "action", "") or ""

    def _error_statuses(self) -> list[str]:
        writes = self.method not in SAFE_METHODS
        has_body = self.method in ("POST", "PUT", "PATCH")
        statuses = {"400", "401", "406", "429"}
        if "{" in self.path or self._is_list_view() or self._action() == "tombstones":
            statuses.add("404")  # an unknown object; a page past the last one; no such cursor
        if writes:
            statuses.add("403")
        if has_body:
            statuses |= {"413", "415"}
        if has_body and (
            getattr(self.view, "unique_fields", ()) or getattr(self.view, "reference_fields", ())
        ):
            statuses.add("409")
        if self.method in ("PUT", "PATCH", "DELETE") and getattr(
            self.view, "conditional_writes", False
        ):
            statuses.add("412")
        return sorted(statuses)


class AnonymousReadsSchema(APISchema):
    """Safe methods need no credentials; writes keep the token or session requirement."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class TagSlugFieldExtension(OpenApiSerializerFieldExtension):
    """A post's tags: `{slug, name}` objects in responses, slugs in requests."""

    target_class = "blog.api.serializers.TagSlugField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            from .serializers import TagRefSerializer

            return auto_schema.resolve_serializer(TagRefSerializer, direction).ref
        from blog.models import Tag

        from .strict import NOT_BLANK

        return {
            "type": "string",
            "maxLength": Tag._meta.get_field("name").max_length,
            "pattern": NOT_BLANK,
            "description": "A tag slug (editors: or a new tag's name).",
        }


def optional_post_fields(result: dict, generator, request, public) -> dict:
    """Post responses may lack any field (`?fields=`, `?omit=`): none is `required`.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    post = result.get("components", {}).get("schemas", {}).get("Post")
    if post is not None:
        post.pop("required", None)
    return result


def strict_query_parameters(result: dict, generator, request, public) -> dict:
    """Query parameters as `blog.api.params` checks them: no NUL, no empty value (but
    `cursor` and `search`), no empty list or list item, page numbers and sizes in range.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") == "query":
                    _tighten(parameter["name"], parameter.setdefault("schema", {}))
    return result


def _tighten(name: str, schema: dict) -> None:
    kind = schema.get("type")
    if kind == "array":
        schema["minItems"] = 1
        items = schema.setdefault("items", {})
        if items.get("type") == "string" and "enum" not in items:
            items.setdefault("pattern", "^[^\\x00,]+$")  # a comma separates items
    elif kind == "string" and not {"enum", "format", "pattern"} & set(schema):
        schema["pattern"] = NO_NUL
        if name not in MAY_BE_EMPTY:
            schema["minLength"] = max(schema.get("minLength", 0), 1)
    elif kind == "integer" and name in INTEGER_PARAMS:
        low, high = INTEGER_PARAMS[name]
        schema["minimum"] = low
        if high is not None:
            schema["maximum"] = high


# What an upload's `file` part may be (`images.processing.ACCEPTED_FORMATS`).
IMAGE_TYPES = "image/jpeg, image/png, image/webp, image/gif, image/avif"


def image_upload_encoding(result: dict, generator, request, public) -> dict:
    """The image upload's `file` part is an image: say which media types it may have
    (and that the other parts are text, the default made explicit: a multipart part has
    no JSON type, `false` in it is the text "false").

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    upload = result.get("paths", {}).get("/api/images/", {}).get("post")
    if upload:
        form = upload["requestBody"]["content"].get("multipart/form-data")
        if form is not None:
            text = {"contentType": "text/plain"}  # every other part: text, as sent
            form["encoding"] = {"file": {"contentType": IMAGE_TYPES}}
            form["encoding"] |= {name: text for name in ("alt_text", "caption", "credit")}
    return result


def crud_links(result: dict, generator, request, public) -> dict:
    """OpenAPI links from each create (`POST /api/x/`, 201) to the operations on what it
    created (`/api/x/{id}/…`), the id or slug taken from the response body: a client (or
    schemathesis' stateful phase) follows create → read → change → delete without guessing.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    paths = result.get("paths", {})
    for collection, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        links = {}
        for path, detail_operations in paths.items():
            rest = path[len(collection) :]
            if not path.startswith(collection) or "{" not in rest:
                continue  # not below the collection, or the collection itself
            key = rest[rest.index("{") + 1 : rest.index("}")]  # id, or slug (by-slug/)
            for method, operation in detail_operations.items():
                link_id = _link_name(operation["operationId"])
                links[link_id] = {
                    "operationId": operation["operationId"],
                    "parameters": {key: f"$response.body#/{key}"},
                    "description": f"{method.upper()} {path} of what was created.",
                }
        if links:
            created["links"] = links
    return result


def _link_name(operation_id: str) -> str:
    return "".join(part.capitalize() for part in operation_id.split("_"))
