from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.routers import router

        from . import audience, comment_events, signals  # noqa: F401  (connect the receivers)
        from .api import EndpointViewSet

        router.register("webhooks", EndpointViewSet, basename="webhook")
