from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from api.routers import register_urls

        from . import api  # login_limits connects its user_login_failed receiver
        from .roles import ensure_roles

        # Acts once per `migrate` (and per flush), for the last app: auth has made every
        # app's permissions by then (its receiver runs first for each app).
        post_migrate.connect(ensure_roles, dispatch_uid="ensure_roles")
        register_urls(api.urlpatterns)  # /api/auth/token/, …/refresh/, /api/auth/logout/
