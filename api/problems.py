"""One error format under /api/: RFC 9457 problem details (`application/problem+json`).

Every error body is an object with `type` (a stable URN naming the problem), `title`
(short, the same for every occurrence), `status` (the HTTP status), `detail` (this
occurrence, for humans), `code` (a stable machine-readable code) and, for validation
problems, `errors`: one entry per field message (`field` is a dotted path such as
`tags.0`; object-level messages have `field: ""`).

`exception_handler` (DRF's `EXCEPTION_HANDLER`) formats whatever a view raises;
`problem_response` formats the errors Django answers before or after DRF (unknown URLs,
a body over the upload limit, a server error) through `blog.views.errors`.
"""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:broadsheet:problem:"
UNIQUE_VIOLATION = "23505"  # PostgreSQL SQLSTATE


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the current state of the resource."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The resource has changed since you read it (If-Match / If-Unmodified-Since). "
        "Read it again, then repeat the change."
    )
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API accepts."
    default_code = "payload_too_large"


# Codes for the problems that only a status names (Django's own errors, DRF's defaults).
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def problem(status_code: int, code: str, detail: str, **extra) -> dict:
    """The problem-details object for one error."""
    return {
        "type": TYPE_PREFIX + code,
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
        **extra,
    }


def problem_response(status_code: int, detail: str, code: str = "", **extra) -> JsonResponse:
    """A problem as a plain Django response, for errors answered outside DRF views."""
    body = problem(status_code, code or STATUS_CODES.get(status_code, "error"), detail, **extra)
    return JsonResponse(body, status=status_code, content_type=MEDIA_TYPE)


def field_errors(detail, prefix: str = "") -> list[dict]:
    """DRF's nested `ValidationError.detail` flattened to `[{field, message, code}]`."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key == "non_field_errors" else str(key)
            out += field_errors(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out += field_errors(value, f"{prefix}.{index}" if prefix else str(index))
            else:
                out += field_errors(value, prefix)
        return out
    code = getattr(detail, "code", None) or "invalid"  # Django form errors may have none
    return [{"field": prefix, "message": str(detail), "code": code}]


def _translate(exc: Exception) -> Exception:
    """Exceptions DRF does not know, turned into the API errors they mean."""
    if isinstance(exc, IntegrityError):
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:
            return Conflict("Another resource already has this value; names must be unique.")
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, exceptions.ValidationError) and _only_conflicts(exc.get_codes()):
        conflict = Conflict(_first_message(exc.detail))
        conflict.errors = field_errors(exc.detail)
        return conflict
    return exc


# A taken unique value, a reference to a row that does not exist (`api.strict`), or a
# value that contradicts what is stored (code "conflict", e.g. an expiry before the post's
# stored publication time): the request is well formed but conflicts with the current
# state, a 409.
CONFLICT_CODES = {"unique", "does_not_exist", "conflict"}


def _only_conflicts(codes) -> bool:
    if isinstance(codes, dict):
        return bool(codes) and all(_only_conflicts(value) for value in codes.values())
    if isinstance(codes, list):
        return bool(codes) and all(_only_conflicts(value) for value in codes)
    return codes in CONFLICT_CODES


def _first_message(detail) -> str:
    errors = field_errors(detail)
    return errors[0]["message"] if errors else "Conflict."


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler, answering every error as problem details (see the module docstring)."""
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's handler500 answers it
    code = STATUS_CODES.get(response.status_code, "error")
    extra = {}
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        extra["errors"] = field_errors(exc.detail)
        detail = "The request has invalid values; see `errors`."
        if len(extra["errors"]) == 1 and extra["errors"][0]["field"] == "":
            detail = extra["errors"][0]["message"]
    else:
        detail = str(getattr(exc, "detail", "") or HTTPStatus(response.status_code).phrase)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(codes, str) and codes not in ("error", "invalid"):
            code = codes
        elif isinstance(codes, dict) and isinstance(codes.get("code"), str):
            code = codes["code"]  # simplejwt's {"detail", "code", "messages"}
        if isinstance(exc.detail if hasattr(exc, "detail") else None, dict):
            detail = str(exc.detail.get("detail", detail))
        if getattr(exc, "errors", None):
            extra["errors"] = exc.errors
    response.data = problem(response.status_code, code, detail, **extra)
    renderer = getattr(context.get("request"), "accepted_renderer", None)
    if getattr(renderer, "format", "json") == "json":  # not the browsable API's HTML
        response.content_type = MEDIA_TYPE
    return response
