from django.apps import AppConfig


class ImagesConfig(AppConfig):
    """The image library: uploads, renditions, cover images (depends on `blog`)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "images"

    def ready(self) -> None:
        # `![alt](image:42)` in post bodies: blog's Markdown takes plugins from other
        # apps, so blog never imports this app (images/body.py).
        from django.db.models.signals import post_delete, post_save

        from api.routers import router
        from blog import markdown
        from blog.admin import hooks

        from . import body
        from .api import ImageViewSet
        from .editor import ImageChooserExtension
        from .models import Image

        router.register("images", ImageViewSet, basename="image")
        # The post editor's drop target and image chooser (blog.admin.hooks).
        hooks.register(ImageChooserExtension)
        markdown.register_plugin(body.markdown_plugin)
        post_delete.connect(
            body.rerender_posts_showing, sender=Image, dispatch_uid="images-rerender"
        )
        # An edited alt text, caption or credit shows on the pages that use the image.
        post_save.connect(body.image_saved, sender=Image, dispatch_uid="images-saved")
