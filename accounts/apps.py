from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from api.routers import register_urls

        from . import api  # login_limits connects its user_login_failed receiver
        from .roles import ROLE_PERMISSIONS, ensure_roles

        # After the permissions the roles hold exist (auth creates an app's permissions
        # on its post_migrate): once for each app they belong to (blog, pages, …), the
        # last of them completing the groups (ensure_roles adds only what is missing).
        labels = {perm.split(".")[0] for perms in ROLE_PERMISSIONS.values() for perm in perms}
        for label in sorted(labels):
            if apps.is_installed(label):
                post_migrate.connect(
                    ensure_roles,
                    sender=apps.get_app_config(label),
                    dispatch_uid=f"ensure_roles:{label}",
                )
        register_urls(api.urlpatterns)  # /api/auth/token/, …/refresh/, /api/auth/logout/
