"""The OpenAPI schema, built once per process and kept: it only changes with the code.

drf-spectacular builds the schema on every request, which took 4-13 s on a fresh worker.
`CachedSchemaView` keeps the built document per (API version, language) for the life of
the process; `warm_up()` builds it ahead of traffic: `core.warmup.warm()` in gunicorn's
master (so every forked worker, recycled ones too, starts with it), and gunicorn's
`post_worker_init` for a worker whose app was not preloaded, so no client waits for it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.test import RequestFactory
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

logger = logging.getLogger(__name__)
_built: dict[tuple, dict] = {}


class CachedSchemaView(SpectacularAPIView):
    """`SpectacularAPIView` with the built schema kept per process."""

    def _get_schema_response(self, request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, get_language(), self.serve_public)
        if key not in _built:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            _built[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_built[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


def warm_up() -> None:
    """Build the schema (and import every view on the way) before the first request.

    Never fatal: a worker that could not warm up still serves (it builds on first use).
    Built already (in gunicorn's master, by core/warmup.py, before forking): nothing to do.
    """
    if _built:
        return
    host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*",) and h[0] != "."), "")
    request = RequestFactory().get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi", HTTP_HOST=host or "localhost"
    )
    try:
        CachedSchemaView.as_view()(request).render()
    except Exception:
        logger.exception("could not build the API schema ahead of traffic")
