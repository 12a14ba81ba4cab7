"""Comments over the REST API: a post's thread for everyone, posting for members,
moderation for editors and for the writers of a post.

- `GET /api/posts/{id}/comments/`: the approved comments of a post the client may see
  (404 otherwise: `blog.permissions.visible_posts`), oldest first, in keyset pages
  (`?cursor=`, `?page_size=`). Never an e-mail address or a client address. Anonymous
  reads go through the page cache like `/api/posts/`.
- `POST /api/posts/{id}/comments/`: a member signed in on the site (their session
  cookie, with the CSRF token: `MemberSessionAuthentication`). Staff tokens, integration
  keys and staff sessions act for staff users, not members: a 403 that says so.
- `/api/comments/` (list, `?status=`, `?post=`), `/api/comments/{id}/` and
  `POST /api/comments/{id}/approve/`, `…/spam/`, `…/remove/`: editors for every post,
  other writers for the posts they are an author of (`own_or_all_posts`, the admin's
  rule). A move the comment's status does not allow is a 409 (`invalid_transition`).

Writes go through `comments.services`, the one write path (the spam defences, rate
limits and notifications; moderation through it to `comments.moderation`).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, pagination, serializers, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from api.pagination import CURSOR_SCHEMA, decode_cursor, encode_cursor
from api.params import StrictQueryParamsMixin
from api.parsers import JSONParser
from api.problems import Conflict
from api.schema import AnonymousReadsSchema
from api.strict import StrictBodyMixin, StrictCharField, StrictPrimaryKeyRelatedField
from blog import permissions
from blog.models import Post
from core.client_ip import client_ip
from members.models import Member
from pagecache.cache import cache_anonymous_page

from . import services
from .models import Comment, Discussion

# Refusals that mean "you may not comment here" (403), not "this text is refused" (400).
CLOSED_CODES = {"closed", "banned", "not_signed_in"}

STAFF_MAY_NOT_POST = (
    "Comments are written by members: API tokens, integration keys and staff sign-ins act "
    "for staff users. Sign in as a member on the site (/members/signin/) and post from "
    "that session, with its CSRF token."
)
SIGN_IN_TO_COMMENT = "Sign in as a member (/members/signin/) to comment."
BODY_MAX = Comment._meta.get_field("body").max_length


class MemberSessionAuthentication(SessionAuthentication):
    """The member signed in on this browser (`request.member`, set by
    `members.middleware`), with Django's CSRF check on unsafe methods, as DRF's
    `SessionAuthentication` does for staff: a page on another site cannot post in the
    member's name with their cookie.

    The member is `request.auth`; `request.user` stays anonymous (a member is no staff
    user: no permission of the admin or the writers' API follows from it).
    """

    def authenticate(self, request: Request):
        member = getattr(request._request, "member", None)
        if member is None:
            return None
        self.enforce_csrf(request)
        return (AnonymousUser(), member)


class MemberSessionScheme(OpenApiAuthenticationExtension):
    """The schema's name for a signed-in member's session (the site's session cookie)."""

    target_class = MemberSessionAuthentication
    name = "memberSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


def signed_in_member(request: Request) -> Member | None:
    return request.auth if isinstance(request.auth, Member) else None


class MembersWrite(BasePermission):
    """Anyone reads; only a signed-in member writes (module docstring)."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in SAFE_METHODS or signed_in_member(request) is not None:
            return True
        if request.user.is_authenticated:
            raise PermissionDenied(STAFF_MAY_NOT_POST, code="members_only")
        raise NotAuthenticated(SIGN_IN_TO_COMMENT)


class CanModerate(BasePermission):
    """Writers (their own posts' comments) and editors (all): the queryset narrows."""

    message = "Only editors and the writers of a post moderate its comments."

    def has_permission(self, request: Request, view) -> bool:
        return permissions.is_writer(request.user)


def moderated_comments(user):
    """The comments `user` moderates: on the posts they manage in the admin."""
    if permissions.is_editor(user):
        return Comment.objects.all()
    posts = permissions.own_or_all_posts(user, Post.all_kinds.all())
    return Comment.objects.filter(post__in=posts.values("pk"))


# --- the thread ------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer):
    """A comment as readers see it: never the author's e-mail or address."""

    parent = serializers.IntegerField(
        source="parent_id", read_only=True, allow_null=True, help_text="The comment replied to."
    )

    class Meta:
        model = Comment
        fields = ["id", "parent", "author_name", "body_html", "created_at", "edited_at"]
        read_only_fields = fields


class PostedCommentSerializer(CommentSerializer):
    """The member's new comment, with whether it waits for a moderator."""

    status = serializers.ChoiceField(choices=Comment.Status.choices, read_only=True)

    class Meta(CommentSerializer.Meta):
        fields = [*CommentSerializer.Meta.fields, "status"]
        read_only_fields = fields


class CommentWriteSerializer(StrictBodyMixin, serializers.Serializer):
    body = StrictCharField(
        max_length=BODY_MAX, help_text="Markdown: emphasis, links, code (no images or headings)."
    )
    parent = StrictPrimaryKeyRelatedField(
        queryset=Comment.objects.none(),
        required=False,
        allow_null=True,
        help_text="Reply to this approved comment of the same post (replies are one level "
        "deep: a reply to a reply answers its top-level comment).",
    )

    def __init__(self, *args, post: Post | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if post is not None:
            self.fields["parent"].queryset = Comment.objects.filter(
                post=post, status=Comment.Status.APPROVED
            )

    def validate_parent(self, parent: Comment | None) -> Comment | None:
        if parent is not None and parent.parent_id is not None:
            return Comment.objects.get(pk=parent.parent_id)
        return parent


class ThreadPagination(pagination.BasePagination):
    """Oldest first, in keyset pages: `next` continues strictly after the last comment
    served, so a thread read while comments arrive never repeats or skips one."""

    page_size = 50
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request: Request, view=None):
        self.request = request
        size = int(request.query_params.get(self.page_size_query_param, self.page_size))
        token = request.query_params.get(self.cursor_query_param, "")
        if token:
            moment, pk = decode_cursor(token)
            queryset = queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
        rows = list(queryset.order_by("created_at", "pk")[: size + 1])
        self.last = rows[size - 1] if len(rows) > size else None
        return rows[:size]

    def get_paginated_response(self, data) -> Response:
        next_url = None
        if self.last is not None:
            token = encode_cursor(self.last.created_at, self.last.pk)
            next_url = replace_query_param(
                self.request.build_absolute_uri(), self.cursor_query_param, token
            )
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page; null on the last.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A `next` link's cursor: the comments after it.",
                "schema": CURSOR_SCHEMA,
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Comments per page (default 50).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100},
            },
        ]


@extend_schema_view(
    list=extend_schema(
        summary="A post's approved comments, oldest first; 404 if you may not see the post.",
        parameters=[OpenApiParameter("post_id", int, OpenApiParameter.PATH)],
    ),
    create=extend_schema(
        summary="Comment as the signed-in member (session cookie and CSRF token).",
        parameters=[OpenApiParameter("post_id", int, OpenApiParameter.PATH)],
        request=CommentWriteSerializer,
        responses={201: PostedCommentSerializer},
    ),
)
@method_decorator(
    cache_anonymous_page(params=None, media_types=["application/json", "text/html"]),
    name="dispatch",
)
class ThreadViewSet(
    StrictQueryParamsMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The comments under a post."""

    serializer_class = CommentSerializer
    authentication_classes = [*api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    permission_classes = [MembersWrite]
    parser_classes = [JSONParser]
    pagination_class = ThreadPagination
    filter_backends = []
    schema = AnonymousReadsSchema()
    list_actions = ("list",)
    reference_fields = ("parent",)  # an unknown parent comment: 409

    def get_authenticators(self):
        # A staff token or session first (so a staff request is known as one: a 403
        # that says why), then the member's session.
        return [*super().get_authenticators(), MemberSessionAuthentication()]

    def get_serializer_class(self):
        return CommentWriteSerializer if self.action == "create" else CommentSerializer

    def thread_post(self) -> Post:
        posts = permissions.visible_posts(self.request.user, Post.objects.all())
        if self.action == "create":
            posts = Post.objects.public()  # members write under what readers see
        return get_object_or_404(posts.only("pk"), pk=self.kwargs["post_id"])

    def get_queryset(self):
        post = self.thread_post()
        comments = Comment.objects.filter(post=post, status=Comment.Status.APPROVED).only(
            "id", "parent_id", "author_name", "body_html", "created_at", "edited_at"
        )
        if Discussion.objects.filter(post=post, mode=Discussion.Mode.HIDDEN).exists():
            return comments.none()  # a hidden discussion shows nothing
        return comments

    def create(self, request: Request, *args, **kwargs) -> Response:
        post = self.thread_post()
        write = CommentWriteSerializer(data=request.data, post=post)
        write.is_valid(raise_exception=True)
        try:
            comment = services.post_comment(
                post=post,
                member=signed_in_member(request),
                body=write.validated_data["body"],
                parent=write.validated_data.get("parent"),
                client_ip=client_ip(request) or None,
            )
        except services.CommentRefused as refused:
            if refused.code in CLOSED_CODES:
                raise PermissionDenied(refused.message, code="comments_closed") from None
            # The spam defences' and the body rules' messages, for the member.
            raise ValidationError({"body": [refused.message]}) from None
        return Response(PostedCommentSerializer(comment).data, status=201)


thread = ThreadViewSet.as_view({"get": "list", "post": "create"})
urlpatterns = [path("posts/<int:post_id>/comments/", thread, name="post-comments")]


# --- moderation ------------------------------------------------------------------------


class ModeratedCommentSerializer(serializers.ModelSerializer):
    """A comment as moderators see it: its status, post and the author's e-mail (for
    moderation only; never the client's address)."""

    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    post = serializers.IntegerField(source="post_id", read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = [
            "id", "post", "parent", "member", "author_name", "author_email", "body",
            "body_html", "status", "created_at", "edited_at", "approved_at",
        ]  # fmt: skip
        read_only_fields = fields


MAX_ID = 2**31 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A whole id in the range the schema gives (a NumberFilter takes 1.5 and 1e141)."""

    field_class = forms.IntegerField


class ModerationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Comment.Status.choices, help_text="e.g. `pending`.")
    post = IdFilter(
        field_name="post_id", min_value=1, max_value=MAX_ID, help_text="One post's comments."
    )

    class Meta:
        model = Comment
        fields = ["status", "post"]


# What each action may move a comment from (approving a removed comment would bring back
# one its member deleted: a 409, as is repeating a move).
TRANSITIONS = {
    "approve": (Comment.Status.PENDING, Comment.Status.SPAM),
    "spam": (Comment.Status.PENDING, Comment.Status.APPROVED),
    "remove": (Comment.Status.PENDING, Comment.Status.APPROVED, Comment.Status.SPAM),
}


@method_decorator(never_cache, name="dispatch")  # e-mail addresses: kept by no cache
class CommentModerationViewSet(
    StrictQueryParamsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Comments to moderate: editors see all, other writers those on their posts."""

    serializer_class = ModeratedCommentSerializer
    permission_classes = [CanModerate]
    parser_classes = [JSONParser]
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ModerationFilter
    list_actions = ("list",)
    # Readers with a token get a 403 on reads too; a move the status refuses is a 409.
    action_error_statuses = {
        "list": {"403"}, "retrieve": {"403"},
        "approve": {"409"}, "spam": {"409"}, "remove": {"409"},
    }  # fmt: skip

    def get_queryset(self):
        return moderated_comments(self.request.user).order_by("created_at", "pk")

    @extend_schema(
        summary="Approve: the comment shows under its post.",
        request=None,
        responses=ModeratedCommentSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._moderate("approve")

    @extend_schema(
        summary="Mark as spam: hidden from readers, kept as spam.",
        request=None,
        responses=ModeratedCommentSerializer,
    )
    @action(detail=True, methods=["post"])
    def spam(self, request: Request, pk: str) -> Response:
        return self._moderate("spam")

    @extend_schema(
        summary="Remove: hidden from readers.", request=None, responses=ModeratedCommentSerializer
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str) -> Response:
        return self._moderate("remove")

    def _moderate(self, name: str) -> Response:
        comment = self.get_object()
        if comment.status not in TRANSITIONS[name]:
            done = "marked as spam" if name == "spam" else f"{name}d"
            raise Conflict(
                f"A comment that is {comment.get_status_display().lower()} cannot be {done}.",
                code="invalid_transition",
            )
        write = {"approve": services.approve, "spam": services.mark_spam}
        try:
            comment = write.get(name, services.remove)(comment, self.request.user)
        except services.CommentRefused as refused:  # its member deleted it: not shown again
            raise Conflict(refused.message, code="invalid_transition") from None
        return Response(ModeratedCommentSerializer(comment).data)
