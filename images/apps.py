from django.apps import AppConfig


class ImagesConfig(AppConfig):
    """The image library: uploads, renditions, cover images (depends on `blog`)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "images"

    def ready(self) -> None:
        # `![alt](image:42)` in post bodies: blog's Markdown takes plugins from other
        # rooms, so blog never imports this app (images/body.py).
        from blog import markdown

        from .body import markdown_plugin

        register = getattr(markdown, "register_plugin", None)
        if register is not None:
            register(markdown_plugin)
