from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from api.routers import register_urls

        from . import api  # login_limits connects its user_login_failed receiver
        from .roles import ensure_roles

        # After blog's permissions exist (auth creates them on blog's post_migrate).
        post_migrate.connect(ensure_roles, sender=apps.get_app_config("blog"))
        register_urls(api.urlpatterns)  # /api/auth/token/, …/refresh/, /api/auth/logout/
