from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from . import events, listeners

        # Notification mails (comments.notifications), from the worker after the commit.
        events.comment_approved.connect(
            listeners.comment_approved, dispatch_uid="comments.notifications"
        )
