"""Request fields that accept exactly what the OpenAPI schema says, and nothing else.

DRF coerces: `0` is a string "0" and a boolean False, `"5"` an integer, `{}` an empty
list, `"2020-01-01 10:00"` a date-time, and a title of spaces trims to a blank that the
schema never promised to refuse. A generated client (or schemathesis) then cannot trust
the schema. These fields take the JSON type the schema names and the text the schema's
`pattern` allows (`api.schema.string_pattern` writes that pattern from the same
rules), so what the schema calls valid is accepted and what it calls invalid is a 400.

A body is an allow-list as the query string is (`api.params`): a key the serializer
does not write — a misspelling (`titel`) or a read-only field (`id`, `body_html`) — is a
400 naming it (`code: unknown_field` / `read_only`), never dropped while the answer is a
200 (the schema says `additionalProperties: false`, see `api.schema`).

A reference to a row that does not exist (a category id, an image id, an unknown tag for
a non-editor) is a conflict with the current state, a 409 (`code: does_not_exist`), as a
foreign-key violation is in PostgREST: the request itself is well formed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from django.core.validators import slug_re
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS

# What `str.strip()` removes (exactly the characters for which `str.isspace()` is true),
# spelled out so that the schema's pattern means the same in every regex engine.
WHITESPACE = (
    "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680"
    "\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
NO_NUL = "^[^\\x00]*$"  # PostgreSQL text cannot hold NUL
NOT_BLANK = f"^[^\\x00]*[^\\x00{WHITESPACE}][^\\x00]*$"  # and something besides whitespace

RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


class StrictCharField(serializers.CharField):
    """A string, and only a string: `0` or `true` is a 400, not the text "0" or "True".

    Lengths count the text as sent (the schema's `maxLength`), before surrounding
    whitespace is trimmed; a field that may not be blank needs a character that is not
    whitespace (the schema's `pattern`, see `string_pattern`).
    """

    default_error_messages = {
        **serializers.CharField.default_error_messages,
        "invalid": "Not a valid string.",
    }

    def run_validation(self, data=empty):
        if isinstance(data, str) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# An http(s) URL with an ASCII host name or IPv4 address (IDNs in their xn-- form), an
# optional port up to 65535, and printable ASCII after it: what a delivery can request.
PORT = r"(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
HTTP_URL = rf"^https?://[A-Za-z0-9_.-]+(?::{PORT})?(?:[/?#][!-~]*)?$"


class HTTPURLField(StrictCharField):
    """An http or https URL a server may send requests to (`HTTP_URL`; no user:password@)."""

    schema_pattern = HTTP_URL
    default_error_messages = {
        **StrictCharField.default_error_messages,
        "url": "An http:// or https:// URL with a host name (IDNs as xn--).",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)  # the URL exactly as given

    def to_internal_value(self, data):
        url = super().to_internal_value(data)
        if not re.fullmatch(HTTP_URL.strip("^$"), url):
            self.fail("url")
        return url


def string_pattern(field: serializers.CharField) -> str:
    """The schema's `pattern` for what `field` accepts: no NUL, and something besides
    whitespace when surrounding whitespace is trimmed and the field may not be blank."""
    pattern = getattr(field, "schema_pattern", None)
    if pattern:
        return pattern
    if field.trim_whitespace and not field.allow_blank:
        return NOT_BLANK
    return NO_NUL


class StrictSlugField(StrictCharField):
    """A slug as Django's `SlugField` takes it: ASCII letters, digits, `-` and `_`."""

    schema_pattern = "^[-a-zA-Z0-9_]+$"
    default_error_messages = {
        **StrictCharField.default_error_messages,
        "slug": "Letters, digits, hyphens and underscores only.",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)  # a slug exactly as given

    def to_internal_value(self, data):
        slug = super().to_internal_value(data)
        if not slug_re.fullmatch(slug):
            self.fail("slug")
        return slug


class StrictBodyMixin:
    """Refuse body keys the serializer does not write (see the module docstring)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            errors = {}
            for key in data:
                if key == "csrfmiddlewaretoken":  # the browsable API's forms: not data
                    continue
                field = self.fields.get(key)
                if field is None:
                    message = f"Unknown field. Writable: {', '.join(writable) or 'none'}."
                    errors[key] = [ErrorDetail(message, code="unknown_field")]
                elif field.read_only:
                    errors[key] = [ErrorDetail("Read-only: it cannot be written.", "read_only")]
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """`true` or `false`: not 0, 1, "yes" or "true"."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictDateTimeField(serializers.DateTimeField):
    """An RFC 3339 date-time with its offset (the schema's `format: date-time`)."""

    default_error_messages = {
        **serializers.DateTimeField.default_error_messages,
        "invalid": "An RFC 3339 date-time with offset, e.g. 2026-01-31T09:00:00Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            return super().to_internal_value(value)
        if not isinstance(value, str) or not RFC3339.fullmatch(value):
            self.fail("invalid")
        try:
            parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
            return self.enforce_timezone(parsed)
        except (ValueError, OverflowError):
            self.fail("invalid")


class ManyReferencesField(serializers.ManyRelatedField):
    """A JSON array of references: `{}` or `"a"` is a 400, not an empty list."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ListOfReferencesMixin:
    """`many=True` makes a `ManyReferencesField` (DRF's would take `{}` as a list)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs |= {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return ManyReferencesField(**list_kwargs)


class StrictPrimaryKeyRelatedField(ListOfReferencesMixin, serializers.PrimaryKeyRelatedField):
    """An integer id (not "3", 3.0 or true) of an existing row; a missing row is a 409."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "incorrect_type": "An integer id.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class ManyReferencesFieldExtension(OpenApiSerializerFieldExtension):
    """`allow_empty=False` in the schema: `minItems: 1` (DRF refuses `[]` for such a
    field; without it, a client reading the schema would send one)."""

    target_class = ManyReferencesField

    def map_serializer_field(self, auto_schema, direction):
        # drf-spectacular's own mapping, as its extension docstring says to take it.
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and not self.target.allow_empty:
            schema["minItems"] = 1
        return schema
