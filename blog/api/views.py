"""Viewsets for posts, categories, tags and authors.

Every post queryset starts from `blog.permissions.visible_posts`, so nothing a user may
not see reaches any list, filter, search, ordering, action or detail.
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponsePermanentRedirect
from django.utils.decorators import method_decorator
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from .. import permissions, redirects
from ..cache import cache_anonymous_page
from ..models import Category, Post, Tag
from .filters import PostFilter, PostSearchFilter
from .parsers import JSONParser
from .permissions import PostPermission
from .schema import AnonymousReadsSchema
from .serializers import AuthorSerializer, CategorySerializer, PostSerializer, TagSerializer


@method_decorator(cache_anonymous_page, name="dispatch")
class PostViewSet(viewsets.ModelViewSet):
    """Posts. Anonymous readers see public posts; writers also their own; editors all."""

    serializer_class = PostSerializer
    permission_classes = [PostPermission]
    parser_classes = [JSONParser]
    schema = AnonymousReadsSchema()
    filter_backends = [DjangoFilterBackend, PostSearchFilter, OrderingFilter]
    filterset_class = PostFilter
    ordering_fields = ["published_at", "created_at", "title"]
    # No default: the queryset's order (newest first, or best match when searching) stands.
    ordering = None

    def get_queryset(self):
        return permissions.visible_posts(self.request.user, Post.objects.with_relations())

    def perform_create(self, serializer) -> None:
        serializer.save(author=self.request.user, last_edited_by=self.request.user)

    def perform_update(self, serializer) -> None:
        serializer.save(last_edited_by=self.request.user)  # named by the admin's lock message

    @extend_schema(summary="One post by its slug; 404 if you may not see it.")
    @action(detail=False, methods=["get"], url_path=r"by-slug/(?P<slug>[-\w]+)")
    def by_slug(self, request: Request, slug: str) -> Response:
        post = self.get_queryset().filter(slug=slug).first()
        moved_to = None if post else redirects.new_slug_for("blog:post", slug)
        if moved_to:  # a renamed post: 301 to its by-slug address (blog.redirects)
            return HttpResponsePermanentRedirect(f"{request.path[: -len(slug) - 1]}{moved_to}/")
        post = post or get_object_or_404(self.get_queryset(), slug=slug)
        self.check_object_permissions(request, post)
        return Response(self.get_serializer(post).data)

    @extend_schema(summary="Public posts only, whoever asks.", responses=PostSerializer(many=True))
    @action(detail=False, methods=["get"])
    def published(self, request: Request) -> Response:
        queryset = self.filter_queryset(Post.objects.public().with_relations())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CategoryViewSet(viewsets.ModelViewSet):
    """Categories: everyone reads; editors write."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [DjangoModelPermissionsOrAnonReadOnly]
    parser_classes = [JSONParser]
    schema = AnonymousReadsSchema()
    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"  # a slug: no NUL or other byte PostgreSQL refuses
    filter_backends = [OrderingFilter]
    ordering_fields = ["name"]


class TagViewSet(CategoryViewSet):
    """Tags: everyone reads; editors write."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer


class AuthorViewSet(viewsets.ReadOnlyModelViewSet):
    """Public profiles of everyone with at least one public post."""

    serializer_class = AuthorSerializer
    lookup_field = "username"
    lookup_value_regex = r"[\w.@+-]+"
    filter_backends = [OrderingFilter]
    ordering_fields = ["username"]

    def get_queryset(self):
        public_count = (
            Post.objects.public()
            .filter(author=OuterRef("pk"))
            .order_by()
            .values("author")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            get_user_model()
            .objects.filter(is_active=True)
            .annotate(post_count=Subquery(public_count, output_field=IntegerField()))
            .filter(post_count__gt=0)
            .order_by("username")
        )


class TokenObtainPairView(jwt_views.TokenObtainPairView):
    """Username and password in, a short-lived access token and a refresh token out."""

    parser_classes = [JSONParser]


class TokenRefreshView(jwt_views.TokenRefreshView):
    """A refresh token in, a new access token out."""

    parser_classes = [JSONParser]
