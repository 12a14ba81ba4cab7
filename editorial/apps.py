from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from . import revisions, signals  # noqa: F401  (registers Post, connects receivers)
