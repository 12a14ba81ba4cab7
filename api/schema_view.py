"""The OpenAPI schema, built once per process and kept: it only changes with the code.

drf-spectacular builds the schema on every request, which took 4-13 s on a fresh worker.
`CachedSchemaGenerator` keeps the built document per (API version, language, public) for
the life of the process; `CachedSchemaView` is drf-spectacular's view with that generator
(`generator_class`, a public attribute of the view; `get_schema()`, the generator's
public method), so the view's own handling of formats, `?lang=` and the file name stays
drf-spectacular's. `warm_up()` builds it ahead of traffic: `core.warmup.warm()` in
gunicorn's master (so every forked worker, recycled ones too, starts with it), and
gunicorn's `post_worker_init` for a worker whose app was not preloaded, so no client
waits for it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.test import RequestFactory
from django.utils.translation import get_language
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

logger = logging.getLogger(__name__)
_built: dict[tuple, dict] = {}


class CachedSchemaGenerator(SchemaGenerator):
    """drf-spectacular's generator; a schema it built once is handed out again."""

    def get_schema(self, request=None, public: bool = False) -> dict:
        # The version drf-spectacular's own get_schema() writes into the document.
        version = self.api_version or getattr(request, "version", None)
        key = (version, get_language(), public)
        if key not in _built:
            _built[key] = super().get_schema(request=request, public=public)
        return _built[key]


class CachedSchemaView(SpectacularAPIView):
    """`SpectacularAPIView` with the built schema kept per process."""

    generator_class = CachedSchemaGenerator


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
