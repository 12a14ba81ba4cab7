from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.routers import router

        from .api import NewsletterViewSet

        router.register("newsletters", NewsletterViewSet, basename="newsletter")
