"""Viewsets for posts, categories, tags and authors.

Every post queryset starts from `blog.permissions.visible_posts`, so nothing a user may
not see reaches any list, filter, search, ordering, action or detail.
"""

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.conditional import (
    add_last_modified,
    add_validators,
    check_preconditions,
    expected_version,
    not_modified,
)
from api.pagination import CURSOR_SCHEMA, PostPagination, never_cached
from api.params import OrderingFilter, StrictQueryParamsMixin
from api.parsers import JSONParser
from api.problems import PreconditionFailed
from api.schema import AnonymousReadsSchema
from core.origin import site_url
from pagecache.cache import cache_anonymous_page
from pagecache.counts import remember

from .. import permissions, redirects, services
from ..audience import may_read_body
from ..models import Category, Post, PostAuthor, PostTombstone, Tag
from ..selectors import public_authors, public_tags
from .filters import PostFilter, PostSearchFilter
from .permissions import PostPermission
from .serializers import (
    AuthorSerializer,
    CategorySerializer,
    PostSerializer,
    TagSerializer,
    TombstonePageSerializer,
    TombstoneQuerySerializer,
)
from .sync import tombstones_since

# The page cache keys on these parameters only, and on the negotiated renderer.
POST_MEDIA_TYPES = ["application/json", "text/html"]
# Parameters that do not change which posts a list holds, nor so its count.
UNCOUNTED_PARAMS = {"page", "page_size", "ordering", "format"}


@method_decorator(cache_anonymous_page(params=None, media_types=POST_MEDIA_TYPES), name="dispatch")
class PostViewSet(StrictQueryParamsMixin, viewsets.ModelViewSet):
    """Posts. Anonymous readers see public posts; writers also their own; editors all."""

    serializer_class = PostSerializer
    permission_classes = [PostPermission]
    parser_classes = [JSONParser]
    schema = AnonymousReadsSchema()
    filter_backends = [DjangoFilterBackend, PostSearchFilter, OrderingFilter]
    filterset_class = PostFilter
    ordering_fields = ["published_at", "created_at", "updated_at", "title"]
    # No default: the queryset's order (newest first, or best match when searching) stands,
    # except that ?updated_after= / ?updated_before= list in sync order (oldest change first).
    ordering = None
    pagination_class = PostPagination
    action_query_params = {"tombstones": ("since", "limit", "cursor")}

    conditional_reads = True  # ETag / Last-Modified, 304 (api/conditional.py)
    conditional_writes = True  # If-Match / If-Unmodified-Since, 412
    reference_fields = (  # unknown: 409
        "category_id", "cover_image_id", "social_image_id", "tags", "author_ids", "newsletter",
    )  # fmt: skip

    def get_queryset(self):
        return permissions.visible_posts(self.request.user, Post.objects.for_api())

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        if {"updated_after", "updated_before"} & set(params) and not params.get("ordering"):
            queryset = queryset.with_marker().order_by("marker", "pk")
        return queryset

    def count_key(self, request: Request) -> tuple[str, bool]:
        """What a list's count depends on besides the content, and whether the clock
        changes it (only an editor's every-post list does not): api/pagination.py."""
        scope = (
            "public" if self.action == "published" else permissions.visibility_scope(request.user)
        )
        filters = sorted(
            (name, value)
            for name, values in request.query_params.lists()
            if name not in UNCOUNTED_PARAMS
            for value in values
        )
        return f"api:{self.basename}s:{self.action}:{scope}:{urlencode(filters)}", scope != "all"

    def perform_create(self, serializer) -> None:
        serializer.save(author=self.request.user)  # through `blog.services.post_create`

    def create(self, request: Request, *args, **kwargs) -> Response:
        """201 with the post as saved, its ETag, and `Location`: its API resource.

        Not the `url` field DRF would use: that is the public page, a 404 while the post
        is a draft. Absolute, from `BROADSHEET_SITE_URL` (`core.origin`).
        """
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        post = _validators_read(self.get_queryset().get(pk=serializer.instance.pk))
        location = site_url(reverse(f"api:{self.basename}-detail", kwargs={"pk": post.pk}))
        response = Response(
            self.get_serializer(post).data, status=201, headers={"Location": location}
        )
        return add_validators(response, post)

    def list(self, request: Request, *args, **kwargs) -> Response:
        response = super().list(request, *args, **kwargs)
        if self._cursor_page():
            return response
        public = permissions.visibility_scope(request.user) == "public"
        changed = _posts_changed_at(public_only=public, rows=self.get_queryset().model.objects)
        return add_last_modified(response, changed)

    def _cursor_page(self) -> bool:
        """A cursor page carries no Last-Modified: it holds changes up to its settling
        horizon only (`api.pagination.settled_until`), so a date of the latest change
        would answer a later `If-Modified-Since` with a 304 that withholds the change
        still held back. Cursor pages are never cached; follow their `cursor` instead."""
        return getattr(self.paginator, "cursor_mode", False)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self._detail(request, self.get_object())

    def update(self, request: Request, *args, **kwargs) -> Response:
        """Lock the row, check If-Match, apply the fields given to the fresh copy."""
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            post = self._locked(self.get_object())
            serializer = self.get_serializer(post, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            serializer.save()
        post = _validators_read(self.get_queryset().get(pk=post.pk))  # tags as saved
        return add_validators(Response(self.get_serializer(post).data), post)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            post = self._locked(self.get_object())
            services.post_delete(post=post, user=request.user)
        return Response(status=204)

    def _locked(self, post: Post) -> Post:
        """The stored post, row-locked until the transaction ends, with preconditions met.

        `If-Match` naming one version is the optimistic lock the admin uses too
        (`blog.services.post_lock`); the other forms HTTP allows (a list of tags, `*`,
        `If-Unmodified-Since`) are checked on the locked copy by Django's own rules.
        """
        try:
            services.post_lock(post_id=post.pk, expected_version=expected_version(self.request))
        except Post.DoesNotExist:
            raise NotFound() from None  # deleted by another writer since it was read
        except services.StaleVersion:
            raise PreconditionFailed() from None
        locked = type(post).objects.get(pk=post.pk)  # the stored copy, locked by us
        check_preconditions(self.request, locked)
        self.check_object_permissions(self.request, locked)
        return locked

    def _detail(self, request: Request, post: Post) -> Response:
        # A members-only post read without its body is another representation: its own
        # tag, so that signing in never answers 304 for the teaser a client holds.
        variant = "" if may_read_body(post, request) else "teaser"
        _validators_read(post)
        # Shaped first: a bad `?fields=` / `?omit=` is a 400 even when the copy is current.
        data = self.get_serializer(post).data
        response = not_modified(request, post, variant)
        if response is None:
            response = add_validators(Response(data), post, variant)
        patch_vary_headers(response, ["Cookie"])  # a member's session reads the body
        return response

    @extend_schema(summary="One post by its slug; 404 if you may not see it.")
    @action(detail=False, methods=["get"], url_path=r"by-slug/(?P<slug>[-\w]+)")
    def by_slug(self, request: Request, slug: str) -> Response:
        post = self.get_queryset().filter(slug=slug).first()
        moved_to = None if post else redirects.new_slug_for("blog:post", slug)
        if moved_to and self.get_queryset().filter(slug=moved_to).exists():
            # A renamed post the user may see: 301 to its by-slug address (blog.redirects);
            # one they may not see is a 404, its new slug untold.
            return HttpResponsePermanentRedirect(f"{request.path[: -len(slug) - 1]}{moved_to}/")
        post = post or get_object_or_404(self.get_queryset(), slug=slug)
        self.check_object_permissions(request, post)
        return self._detail(request, post)

    @extend_schema(
        summary="Posts gone from public view since `since`: deleted or unpublished.",
        parameters=[
            TombstoneQuerySerializer,
            OpenApiParameter(
                "cursor",
                CURSOR_SCHEMA,
                OpenApiParameter.QUERY,
                description="A `next` or `cursor` value: continue after it (over `since`).",
            ),
        ],
        responses=TombstonePageSerializer,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def tombstones(self, request: Request) -> Response:
        query = TombstoneQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        page, cursor = tombstones_since(params.get("since"), params["limit"], params.get("cursor"))
        next_url = None
        if len(page) == params["limit"]:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", cursor)
        body = {"next": next_url, "cursor": cursor, "results": page}
        return never_cached(Response(TombstonePageSerializer(body).data))

    @extend_schema(summary="Public posts only, whoever asks.", responses=PostSerializer(many=True))
    @action(detail=False, methods=["get"])
    def published(self, request: Request) -> Response:
        queryset = self.filter_queryset(Post.objects.public().for_api())
        page = self.paginate_queryset(queryset)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        if self._cursor_page():
            return response
        return add_last_modified(response, _posts_changed_at(public_only=True))


def _validators_read(post: Post) -> Post:
    """Read the clock for the post's ETag and Last-Modified before its body is shaped
    (`Post.clock_state` and `last_modified` keep their first reading): at a go-live
    between the two, the client holds a "-scheduled" tag over a published body and
    fetches once more, never a scheduled body under the tag that stays current."""
    post.clock_state  # noqa: B018 - read for its side effect: kept on the instance
    post.last_modified  # noqa: B018
    return post


def _posts_changed_at(*, public_only: bool = False, rows=None):
    """When any post last changed or was deleted: a list's Last-Modified (conservative).

    A public list counts only what readers could see, so that saving a draft moves
    nothing: posts that are or were public (`first_public_at`, or public now: an edit;
    leaving public view is an edit too), the latest go-live (`published_at`: a scheduled
    post goes live without being saved) and tombstones (every way a once-public post left
    view, deletions included). One query of three index scans that each stop at their
    first matching row (`post_recorded_idx`, the public listing index, tombstones by
    `at`): at 100,000 posts, `id IN (public posts)` here made it 355 ms. `recorded_at`,
    not `updated_at`: an import keeps its source's dates, and the list changed now.
    """
    rows = Post.objects if rows is None else rows  # posts, or pages (pages.api)
    posts = rows.all()
    if public_only:
        # One condition on each row (no `id IN (public posts)`, which PostgreSQL hashed
        # whole): rows touched without a save (`PostQuerySet.touch`) and posts imported
        # before `first_public_at` existed are public with none.
        posts = posts.filter(first_public_at__isnull=False) | rows.public()
    latest = Subquery(posts.order_by("-recorded_at").values("recorded_at")[:1])
    if public_only:
        live = Subquery(rows.public().order_by("-published_at").values("published_at")[:1])
        latest = Greatest(Coalesce(latest, live), Coalesce(live, latest))
    at = Greatest(Coalesce(Max("at"), latest), latest)
    return PostTombstone.objects.aggregate(at=at)["at"]


class CategoryViewSet(StrictQueryParamsMixin, viewsets.ModelViewSet):
    """Categories: everyone reads; editors write."""

    unique_fields = ("name",)  # a taken name is a 409
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
    """Tags: everyone reads those with a public post (`public_tags`); editors read and
    write all of them."""

    queryset = Tag.objects.all()
    serializer_class = TagSerializer

    def get_queryset(self):
        if permissions.can_manage_filing(self.request.user, "tag"):
            return Tag.objects.all()
        return public_tags()


class AuthorViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    """Public profiles of everyone with at least one public post."""

    serializer_class = AuthorSerializer
    lookup_field = "username"
    lookup_value_regex = r"[^\x00]+"  # any stored username (reader URLs alike)
    filter_backends = [OrderingFilter]
    ordering_fields = ["username"]

    def get_queryset(self):
        return public_authors().order_by("username")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else with_post_counts(page)

    def get_object(self):
        return with_post_counts([super().get_object()])[0]


def with_post_counts(users: list) -> list:
    """`users`, each with `post_count`: their public posts, counted for these users only.

    Every post the user is one of the authors of (`PostAuthor`), each byline row probing
    its post by primary key (not `IN (every public id)`, which PostgreSQL would hash whole).
    One query, kept until the content changes (`pagecache.counts`): a prolific author has
    100,000 posts to count.
    """
    ids = sorted(user.pk for user in users)
    public = Post.objects.public().filter(pk=OuterRef("post_id"))
    counts = remember(
        f"author-post-counts:{ids}",
        lambda: dict(
            PostAuthor.objects.filter(Exists(public), user__in=ids)
            .order_by()
            .values_list("user")
            .annotate(n=Count("*"))
        ),
    )
    for user in users:
        user.post_count = counts.get(user.pk, 0)
    return users
