from django.apps import AppConfig


class ImagesConfig(AppConfig):
    """The image library: uploads, renditions, cover images (depends on `blog`)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "images"
