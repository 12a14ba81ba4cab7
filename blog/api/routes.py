"""Blog's API routes, registered on the root router by `BlogConfig.ready()`."""

from api.routers import router

from . import schema_extensions  # noqa: F401  (registers them with drf-spectacular)
from .views import AuthorViewSet, CategoryViewSet, PostViewSet, TagViewSet


def register() -> None:
    router.register("posts", PostViewSet, basename="post")
    router.register("categories", CategoryViewSet, basename="category")
    router.register("tags", TagViewSet, basename="tag")
    router.register("authors", AuthorViewSet, basename="author")
