from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from api.routers import register_urls, router
        from blog import extras
        from blog.admin import hooks
        from blog.fragments import register_page_piece
        from core import warmup

        from . import (
            api,
            counts,
            events,
            listeners,
            privacy,  # noqa: F401 (a deleted member's data; "export my data")
            signals,  # noqa: F401 (connects the receivers)
        )
        from .post_admin import DiscussionBoxExtension
        from .thread import PIECE, public_thread, thread_version_key

        # The post form's "Comments" box: open, closed or hidden (blog.admin.hooks).
        hooks.register(DiscussionBoxExtension)

        register_page_piece(PIECE, public_thread, version_key=thread_version_key)
        # Notification mails (comments.notifications), from the worker after the commit.
        events.comment_approved.connect(
            listeners.comment_approved, dispatch_uid="comments.notifications"
        )
        # /api/posts/{id}/comments/ (a plain route: it hangs under blog's posts) and the
        # moderation endpoints; `comment_count` on posts in listings and the API.
        register_urls(api.urlpatterns)
        router.register("comments", api.CommentModerationViewSet, basename="comment")
        extras.register(counts.COMMENT_COUNT)
        warmup.register(templates=[counts.COMMENT_COUNT.summary_template])
