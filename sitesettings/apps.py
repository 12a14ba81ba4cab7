from django.apps import AppConfig


class SiteSettingsConfig(AppConfig):
    name = "sitesettings"
    verbose_name = "Site settings"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.roles import ensure_roles
        from core.sitevalues import register_reader

        from . import receivers  # noqa: F401 - connects the cache's retirement
        from .loading import cached_values, content_generation

        register_reader(cached_values, content_generation)
        # The Editor role's permission on the settings exists only once auth made it.
        post_migrate.connect(ensure_roles, sender=self)
