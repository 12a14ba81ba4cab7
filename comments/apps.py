from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self) -> None:
        from api.routers import register_urls, router
        from blog import extras
        from core import warmup

        from . import api, counts

        # /api/posts/{id}/comments/ (a plain route: it hangs under blog's posts) and the
        # moderation endpoints; `comment_count` on posts in listings and the API.
        register_urls(api.urlpatterns)
        router.register("comments", api.CommentModerationViewSet, basename="comment")
        extras.register(counts.COMMENT_COUNT)
        warmup.register(templates=[counts.COMMENT_COUNT.summary_template])
