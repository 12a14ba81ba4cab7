"""OpenAPI details drf-spectacular cannot infer: error responses and anonymous reads.

`APISchema` (the project's `DEFAULT_SCHEMA_CLASS`) adds to every operation the error
responses it really gives, each with the problem-details body of `api.problems`, and
the 304 of a conditional GET where the view supports one. A view says what applies with
class attributes: `conditional_writes` (If-Match → 412 on PUT/PATCH/DELETE),
`unique_fields` (409 on writes), `conditional_reads` (304), `action_error_statuses`
(statuses an action answers besides, e.g. `{"approve": {"409"}}`).

It also declares the headers that matter to a client: the conditional-request headers a
view reads (`If-None-Match`, `If-Modified-Since`; `If-Match`, `If-Unmodified-Since`) and
the response headers it sends (`ETag`, `Last-Modified`, `Location`, `RateLimit-*`,
`Retry-After`). Request bodies of the strict serializers (`api.strict`) are closed
(`additionalProperties: false`), and every response object of a model lists all its
fields as `required`, as DRF always renders them: a post shaped by `?fields=`/`?omit=` is
the separate `PartialPost` (`post_shapes`).

drf-spectacular marks an operation as open to anonymous clients only for DRF's
`AllowAny` and `IsAuthenticatedOrReadOnly`. Views whose permission class lets anonymous
clients read (`PostPermission`, `DjangoModelPermissionsOrAnonReadOnly`) use
`AnonymousReadsSchema`, so their GET operations are documented as needing no token.
"""

from __future__ import annotations

import re

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin
from rest_framework.permissions import SAFE_METHODS

from api.params import INTEGER_PARAMS, MAY_BE_EMPTY
from api.problems import MEDIA_TYPE
from api.strict import NO_NUL, StrictBodyMixin, string_pattern


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
        "Conflicts with the current state: a name that must be unique is taken, a "
        "referenced object (category, image, tag) does not exist, or a value contradicts "
        "a stored one (a post's expiry before its publication time) (`code: conflict`, "
        "`errors` names the field); or a move the object's state does not allow "
        "(`invalid_transition`)."
    ),
    "412": "The resource changed since the version named by If-Match / If-Unmodified-Since.",
    "413": "The body is larger than the API accepts.",
    "415": "The body is not application/json.",
    "429": "Throttled (or locked out); Retry-After says when to come back.",
    "503": "The database is briefly unavailable; Retry-After says when to try again.",
}


def _header(description: str, kind: str = "string") -> dict:
    return {"schema": {"type": kind}, "description": description}


RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": _header(
        "Requests allowed in the window (when a throttle applies).", "integer"
    ),
    "RateLimit-Remaining": _header("Requests left in the window.", "integer"),
    "RateLimit-Reset": _header("Seconds until the window frees a request.", "integer"),
    "RateLimit-Policy": _header('The limit and its window, e.g. "120;w=60".'),
}
RETRY_AFTER = _header("Seconds to wait before trying again.", "integer")
VALIDATORS = {
    "ETag": _header("The version of the post; send it back in If-Match / If-None-Match."),
    "Last-Modified": _header("When it last changed (an HTTP date)."),
}
CONDITIONAL_READ_PARAMETERS = (
    ("If-None-Match", "An ETag you hold: 304 (no body) while it is still current."),
    ("If-Modified-Since", "An HTTP date: 304 when nothing changed since."),
)
CONDITIONAL_WRITE_PARAMETERS = (
    ("If-Match", "The ETag you read (weak W/ form too): 412 if the post changed since."),
    ("If-Unmodified-Since", "An HTTP date: 412 if the post changed after it."),
)


class APISchema(AutoSchema):
    """Documents the real error responses and headers of every operation (see the module
    docstring). Public hooks of drf-spectacular only: `get_operation()` (the responses,
    once built), `get_override_parameters()`, `get_auth()`; request patterns and closed
    or complete objects come from the extensions below."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None:
            operation["responses"] = self._with_errors_and_headers(operation["responses"])
        return operation

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        serializer_class = getattr(self.view, "serializer_class", None)
        shape = getattr(serializer_class, "shape_params", ())
        if shape and self.method == "GET" and getattr(self.view, "action", "") != "tombstones":
            fields = serializer_class().fields  # declared, and added by `get_fields()`
            names = [n for n, field in fields.items() if not field.write_only]
            for name, verb in zip(shape, ("Only these", "All but these"), strict=True):
                parameters.append(
                    OpenApiParameter(
                        name,
                        {"type": "array", "items": {"type": "string", "enum": names}},
                        OpenApiParameter.QUERY,
                        description=f"{verb} top-level fields, comma-separated.",
                        style="form",
                        explode=True,
                    )
                )
        parameters += [
            OpenApiParameter(name, str, OpenApiParameter.HEADER, description=description)
            for name, description in self._conditional_parameters()
        ]
        formats = getattr(self.view, "response_formats", None)
        if formats:
            parameters.append(
                OpenApiParameter(
                    "format",
                    {"type": "string", "enum": list(formats)},
                    OpenApiParameter.QUERY,
                    description="The response format (the Accept header chooses too); "
                    "`api`, the browsable HTML API, is for people and left out here.",
                )
            )
        return parameters

    def _conditional_parameters(self) -> tuple[tuple[str, str], ...]:
        if self.method == "GET" and getattr(self.view, "conditional_reads", False):
            return CONDITIONAL_READ_PARAMETERS
        if self.method in ("PUT", "PATCH", "DELETE") and self._conditional_writes():
            return CONDITIONAL_WRITE_PARAMETERS
        return ()

    def _conditional_writes(self) -> bool:
        return "{" in self.path and getattr(self.view, "conditional_writes", False)

    def _with_errors_and_headers(self, responses: dict) -> dict:
        """drf-spectacular's responses, plus the errors the view really gives (each a
        problem-details body) and the headers a client may read on each."""
        problem = {MEDIA_TYPE: {"schema": self.resolve_serializer(Problem, "response").ref}}
        for status in self._error_statuses():
            responses.setdefault(status, {"description": DESCRIPTIONS[status], "content": problem})
        if self.method == "GET" and getattr(self.view, "conditional_reads", False):
            responses.setdefault(
                "304", {"description": "Not modified since the ETag / date you sent."}
            )
        for status, response in responses.items():
            response.setdefault("headers", {}).update(self._response_headers(status))
        return dict(sorted(responses.items()))

    def _response_headers(self, status: str) -> dict:
        """The headers a client may read on a response with `status` (module docstring)."""
        headers = dict(RATE_LIMIT_HEADERS)
        if status in ("429", "503"):
            headers["Retry-After"] = RETRY_AFTER
        conditional = getattr(self.view, "conditional_reads", False)
        if conditional and (
            (self.method == "GET" and status in ("200", "304"))
            or (status == "200" and self._conditional_writes())
            or status == "201"
        ):
            headers |= VALIDATORS
        if status == "201":
            headers["Location"] = _header("The address of what was created.")
        return headers

    def _action(self) -> str:
        return getattr(self.view, "action", "") or ""

    def _lists(self) -> bool:
        """A GET of a collection (a page past the last one is a 404)."""
        if self.method != "GET":
            return False
        if isinstance(self.get_response_serializers(), serializers.ListSerializer):
            return True  # an extra action that answers a list (`published`)
        if hasattr(self.view, "action"):
            return self.view.action == "list"
        return isinstance(self.view, ListModelMixin)

    def _error_statuses(self) -> list[str]:
        writes = self.method not in SAFE_METHODS
        has_body = self.method in ("POST", "PUT", "PATCH")
        statuses = {"400", "401", "406", "429"}
        if "{" in self.path or self._lists() or self._action() == "tombstones":
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
        # What a view's action answers besides (`{"approve": {"409"}}`: comments' moderation).
        statuses |= set(getattr(self.view, "action_error_statuses", {}).get(self._action(), ()))
        return sorted(statuses)


class AnonymousReadsSchema(APISchema):
    """Safe methods need no credentials; writes keep the token or session requirement."""

    def get_auth(self) -> list[dict]:
        auths = super().get_auth()
        if self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths


class ClosedAndCompleteObjects(OpenApiSerializerExtension):
    """Request bodies of the strict serializers (`api.strict`) are closed
    (`additionalProperties: false`: another key is a 400), and a model's response object
    lists every field as `required` (DRF renders them all).

    drf-spectacular's own mapping is taken as its extension API documents
    (`OpenApiSerializerExtension.map_serializer`: `_map_serializer(...,
    bypass_extensions=True)`), then amended. Lowest priority: any more specific
    serializer extension (drf-spectacular's contrib ones) wins.
    """

    target_class = serializers.Serializer
    match_subclasses = True
    priority = -1

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request" and isinstance(self.target, StrictBodyMixin):
            schema["additionalProperties"] = False
        elif direction == "response" and isinstance(self.target, serializers.ModelSerializer):
            schema["required"] = list(schema.get("properties", {}))
        return schema


class TextPatterns(OpenApiSerializerFieldExtension):
    """Every text field a request sends carries the `pattern` it is checked against
    (`api.strict.string_pattern`), unless drf-spectacular wrote a pattern, format
    or enum already.

    drf-spectacular's mapping is taken as `OpenApiSerializerFieldExtension`'s docstring
    says (`_map_serializer_field(..., bypass_extensions=True)`), then amended. Lowest
    priority: a more specific field extension (blog's `TagSlugFieldExtension`) wins.
    """

    target_class = serializers.CharField
    match_subclasses = True
    priority = -1

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not isinstance(schema, dict):
            return schema
        if (
            direction == "request"
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & set(schema)
        ):
            schema["pattern"] = string_pattern(self.target)
        kind = schema.get("type")
        if isinstance(kind, list) and "null" in kind:
            # drf-spectacular applies the field's meta (`nullable`: a "null" type) again to
            # what an extension returns: leave it to that second pass, or "null" is doubled.
            kinds = [k for k in kind if k != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
        return schema


def nullable_as_null_type(result: dict, generator, request, public) -> dict:
    """OpenAPI 3.1 has no `nullable`: DRF's page schemas (`next`, `previous`) and ours
    (`count`) say it, and a 3.1 validator ignores it. Spelled as a `"null"` type instead.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    if result.get("openapi", "").startswith("3.0"):
        return result

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.pop("nullable", False) and isinstance(node.get("type"), str):
                node["type"] = [node["type"], "null"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def post_shapes(result: dict, generator, request, public) -> dict:
    """A full `Post` keeps every field `required`; a post shaped by `?fields=`/`?omit=` is
    `PartialPost` (the same fields, none required; pages likewise: `Page`, `PartialPage`).
    Operations that take those parameters answer `anyOf: [Post, PartialPost]`: a
    generated client gets a full, typed `Post` unless it asked for fewer fields.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name in ("Post", "Page"):  # pages (`/api/pages/`) are shaped as posts are
        _partial_shapes(result, schemas, name)
    return result


def _partial_shapes(result: dict, schemas: dict, name: str) -> None:
    full = schemas.get(name)
    if full is None:
        return
    schemas[f"Partial{name}"] = {
        key: value for key, value in full.items() if key not in ("required", "description")
    } | {"description": f"A {name.lower()} with only the fields `?fields=` kept or `?omit=` left."}
    either = {"anyOf": [_ref(name), _ref(f"Partial{name}")]}
    paged = schemas.get(f"Paginated{name}List", {}).get("properties", {}).get("results")
    if paged is not None:
        paged["items"] = either
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            names = {p.get("name") for p in operation.get("parameters", ())}
            if "fields" not in names:
                continue
            for response in operation.get("responses", {}).values():
                for content in response.get("content", {}).values():
                    if content.get("schema") == _ref(name):
                        content["schema"] = either


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def single_blank_string(result: dict, generator, request, public) -> dict:
    """drf-spectacular writes a blank-allowed text field with a `pattern` as
    `oneOf: [{pattern…}, {maxLength: 0}]`; where the pattern admits "" too (`excerpt`, a
    webhook's `description`), "" matches both and `oneOf` calls it invalid. Such a field
    becomes the one schema it is; any other such pair becomes an `anyOf`.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    for component in result.get("components", {}).get("schemas", {}).values():
        for field in component.get("properties", {}).values():
            choices = field.get("oneOf")
            if not choices or choices[-1] != {"type": "string", "maxLength": 0}:
                continue
            inner = choices[0]
            admits_blank = not inner.get("format") and not inner.get("minLength")
            if admits_blank and re.search(inner.get("pattern", ""), ""):
                del field["oneOf"]
                field.update(inner)
            else:
                field["anyOf"] = field.pop("oneOf")
    return result


def strict_query_parameters(result: dict, generator, request, public) -> dict:
    """Query parameters as `api.params` checks them: no NUL, no empty value (but
    `cursor` and `search`), no empty list or list item, page numbers and sizes in range.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") == "query":
                    _tighten(parameter["name"], parameter.setdefault("schema", {}))
                    if parameter["schema"].get("type") == "array":
                        # Repeated (`?tag=a&tag=b`), what generated clients send; the
                        # comma-separated form is read too (api.params).
                        parameter["style"], parameter["explode"] = "form", True
    return result


def named_query_enums(result: dict, generator, request, public) -> dict:
    """Each set of query values is one named component, not an enum inlined in every
    operation: `PostStatusEnum`, `PostFieldEnum` (for `fields` and `omit`),
    `PostOrderingEnum`, `CategoryOrderingEnum`… A generator then makes one type of each,
    with the values as names, and the same type for every operation that takes it.

    A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]);
    after drf-spectacular's `postprocess_schema_enums`, whose components it reuses.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    existing = {  # the serializers' enums (`PostStatusEnum`…), reused where they fit
        frozenset(schema["enum"]): name
        for name, schema in schemas.items()
        if "enum" in schema and schema.get("type") == "string"
    }
    for path, operations in result.get("paths", {}).items():
        resource = _singular(path.split("/")[2]).capitalize()
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter.get("in") != "query":
                    continue
                schema = parameter.get("schema", {})
                holder = schema.get("items", {}) if schema.get("type") == "array" else schema
                if "enum" not in holder or holder.get("type") != "string":
                    continue
                values = frozenset(holder["enum"])
                template = ENUM_NAMES.get(parameter["name"], "{resource}{param}Enum")
                name = template.format(resource=resource, param=parameter["name"].capitalize())
                if frozenset(schemas.get(name, {}).get("enum", ())) != values:
                    if name in schemas or values not in existing:
                        name = name if name not in schemas else f"{resource}{name}"
                        schemas[name] = {"type": "string", "enum": list(holder["enum"])}
                    else:
                        name = existing[values]
                described = {k: v for k, v in holder.items() if k not in ("type", "enum")}
                holder.clear()
                holder.update(_ref(name) | described)
    for component in list(schemas.values()):  # those drf-spectacular left inline (webhooks)
        for field in component.get("properties", {}).values():
            name = existing.get(frozenset(field.get("enum", ())))
            if name and field.get("type") == "string":
                del field["enum"], field["type"]
                field["$ref"] = _ref(name)["$ref"]
    return result


ENUM_NAMES = {
    "fields": "{resource}FieldEnum",
    "omit": "{resource}FieldEnum",
    "format": "ResponseFormatEnum",
}


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word.removesuffix("s")


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
