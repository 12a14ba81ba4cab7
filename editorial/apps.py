from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from blog.admin import hooks

        from . import revisions, signals  # noqa: F401  (registers Post, connects receivers)
        from .admin import PostEditorExtension

        # The post editor's autosave, preview, history and review (blog.admin.hooks).
        hooks.register(PostEditorExtension)
