from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import login_limits  # noqa: F401  (connects its user_login_failed receiver)
        from .roles import ensure_roles

        # After blog's permissions exist (auth creates them on blog's post_migrate).
        post_migrate.connect(ensure_roles, sender=apps.get_app_config("blog"))
