from django.apps import AppConfig


class NewslettersConfig(AppConfig):
    name = "newsletters"
    verbose_name = "Newsletters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.routers import router
        from blog.admin import hooks

        from . import listeners, tracking  # noqa: F401 (signal receivers)
        from .admin import NewsletterBoxExtension
        from .api import NewsletterViewSet

        # The post form's "Newsletter" box (blog.admin.hooks).
        hooks.register(NewsletterBoxExtension)
        router.register("newsletters", NewsletterViewSet, basename="newsletter")
