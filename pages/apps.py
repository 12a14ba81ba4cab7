from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"

    def ready(self) -> None:
        from api.routers import router
        from blog import slugs

        from . import reserved
        from .api import PageViewSet

        slugs.register_root_names(reserved.root_names)
        router.register("pages", PageViewSet, basename="page")
