from django.apps import AppConfig


class PreviewsConfig(AppConfig):
    name = "previews"
    verbose_name = "Preview links"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blog.admin import hooks

        from .admin import PreviewLinkExtension

        # The post form's "Preview links" box (blog.admin.hooks); pages, a proxy of
        # Post, share the post admin and so the box.
        hooks.register(PreviewLinkExtension)
