from django.apps import AppConfig


class EmbedsConfig(AppConfig):
    """Embeds: a lone URL in a post body becomes a privacy facade (depends on `blog`)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "embeds"

    def ready(self) -> None:
        # Fetched on save by the worker: blog's domain events, so blog never imports us.
        from blog import events
        from newsletters import mail

        from . import body, listeners

        events.post_created.connect(listeners.posts_written, dispatch_uid="embeds-created")
        events.post_updated.connect(listeners.posts_written, dispatch_uid="embeds-updated")
        # In newsletter e-mails, a link with its thumbnail (no facade: mail runs no script).
        mail.register_body_filter(body.mail_body)
