from django.apps import AppConfig


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from blog.admin import hooks

        from . import revisions, signals  # noqa: F401  (registers Post, connects receivers)
        from .admin import PostEditorExtension
        from .scheduled_admin import ScheduledUpdateExtension

        # The post editor's autosave, preview, history and review (blog.admin.hooks),
        # and its scheduled updates of published posts.
        hooks.register(PostEditorExtension)
        hooks.register(ScheduledUpdateExtension)
