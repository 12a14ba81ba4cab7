from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Generic REST API infrastructure: strict fields and parameters, problem details,
    pagination, throttling, conditional requests, schema hooks and the root router.

    It imports no domain app: each app registers its own viewsets on `api.routers.router`
    from its `AppConfig.ready()` (see docs/architecture.md).
    """

    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from core import warmup

        from .schema_view import warm_up

        warmup.register(step=warm_up)  # the OpenAPI schema: seconds to build, once
