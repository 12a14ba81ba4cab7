from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from api.routers import router

        from .api import MemberViewSet

        router.register("members", MemberViewSet, basename="member")
