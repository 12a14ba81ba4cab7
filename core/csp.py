"""django-csp's middleware, with the settings' own policy built once per process.

django-csp 4 builds the `Content-Security-Policy` header from the settings' dictionaries
on every response (merging defaults, sorting, joining: a tenth of a cached page's time,
issue 14). The header only changes with the settings, a view's `@csp_update` /
`@csp_replace` / `@csp_exempt`, or a nonce a template asked for; so a response without
any of those gets the string built the first time, and every other response goes
through django-csp unchanged. The strings are forgotten when a test overrides the
settings.

    MIDDLEWARE = [..., "core.csp.CSPMiddleware", ...]   # instead of csp.middleware's
"""

from __future__ import annotations

from functools import lru_cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

# What a view's decorators set on its response: such a response is built by django-csp.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
# (header, report only, setting)
_HEADERS = (
    (HEADER, False, "CONTENT_SECURITY_POLICY"),
    (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
)


@lru_cache(maxsize=2)
def _policy(report_only: bool, setting: str) -> tuple[str, tuple[str, ...]]:
    """The header value of the settings' policy and its excluded path prefixes."""
    policy = getattr(settings, setting, None) or {}
    return build_policy(report_only=report_only), tuple(policy.get("EXCLUDE_URL_PREFIXES") or ())


@receiver(setting_changed)
def _forget(setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()


class CSPMiddleware(BaseCSPMiddleware):
    """`csp.middleware.CSPMiddleware` that reuses the header built from the settings."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in _PER_RESPONSE
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response  # django-csp leaves Django's debug pages alone
        for header, report_only, setting in _HEADERS:
            value, excluded = _policy(report_only, setting)
            if value and header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
