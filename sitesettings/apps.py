from django.apps import AppConfig
from django.apps import apps as installed_apps


def ensure_row(using: str = "default", apps=installed_apps, **kwargs) -> None:
    """The settings' one row, from the environment's values, if it is missing: no
    reader's request ever writes it."""
    from .models import first_values

    try:  # the models as migrated so far, as Django's own post_migrate receivers do
        settings_model = apps.get_model("sitesettings", "SiteSettings")
    except LookupError:  # `migrate` stopped before the table (`migrate blog 0015`)
        return
    settings_model.objects.using(using).get_or_create(pk=1, defaults=first_values())


class SiteSettingsConfig(AppConfig):
    name = "sitesettings"
    verbose_name = "Site settings"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.sitevalues import register_reader

        from . import receivers  # noqa: F401 - connects the cache's retirement
        from .loading import cached_values, content_generation

        register_reader(cached_values, content_generation)
        # The one row comes back after a flush (transactional tests, `manage.py flush`).
        post_migrate.connect(ensure_row, sender=self)
