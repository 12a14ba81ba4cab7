from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from api.routers import register_urls

        from . import api  # login_limits connects its user_login_failed receiver
        from .roles import ensure_roles

        # Once per `migrate` (and per flush), after the last app's: auth has made every
        # app's permissions by then (its receiver runs first for each app).
        last = [config for config in apps.get_app_configs() if config.models_module][-1]
        post_migrate.connect(ensure_roles, sender=last, dispatch_uid="ensure_roles")
        register_urls(api.urlpatterns)  # /api/auth/token/, …/refresh/, /api/auth/logout/
