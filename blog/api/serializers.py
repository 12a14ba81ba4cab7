"""How posts, categories, tags and authors look on the wire.

Read-only: id, url, body_html, state, reading time, timestamps. A body key that is not a
writable field is a 400 (`api.strict.StrictBodyMixin`). The slug is made from the
title unless given, and may be changed: the old address then redirects, as when an editor
changes it in the admin (`blog.slugs.slug_refusal`, `Post.save`). The author of a new
post is the requesting user, unless an editor names the byline (`author_ids`, in order;
read back as `authors`; `author` is the first of them). `expires_at` (who may publish
sets it) must be after `published_at`. Tags read as `{slug, name}` objects and are written
by slug: editors may name new tags (they are created), everyone else may only use existing
ones. `?fields=` and `?omit=` choose the top-level fields of a post in any response.

`audience` is `everyone` or `members`: a members-only post's `body` and `body_html` are
null for a client who may not read it (`blog.audience.may_read_body`: anonymous clients;
tokens belong to staff, who read everything). `newsletter` is the id of an active
newsletter that sends each post, or null.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, PermissionDenied, ValidationError
from rest_framework.relations import MANY_RELATION_KWARGS

from api.serializers import StrictModelSerializer
from api.strict import (
    PORT,
    ListOfReferencesMixin,
    ManyReferencesField,
    StrictCharField,
    StrictDateTimeField,
    StrictPrimaryKeyRelatedField,
    StrictSlugField,
)
from core.origin import site_url

from .. import extras, permissions
from ..audience import may_read_body
from ..markdown import validate_renderable
from ..models import Category, Post, Tag, expiry_error
from ..seo import CANONICAL_MAX_LENGTH, validate_canonical_url
from ..services import post_create, post_update
from ..slugs import slug_refusal


class CategorySerializer(StrictModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "description"]
        read_only_fields = ["id", "slug"]


class TagSerializer(StrictModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "slug"]
        read_only_fields = ["id", "slug"]


class AuthorSummarySerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(source="public_name", read_only=True)


class AuthorSerializer(serializers.ModelSerializer):
    """A public profile: never the email address."""

    display_name = serializers.CharField(source="public_name", read_only=True)
    post_count = serializers.IntegerField(read_only=True, help_text="Public posts only.")

    class Meta:
        model = get_user_model()
        fields = ["username", "display_name", "bio", "post_count"]
        read_only_fields = fields


class TagRefSerializer(serializers.Serializer):
    """A tag as posts show it."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class TagSlugField(ListOfReferencesMixin, serializers.SlugRelatedField):
    """Written as a slug (editors may name a new tag, which is then created); read as
    `{slug, name}` (the schema says so through `blog.api.schema_extensions`)."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "does_not_exist": "Unknown tag “{value}”. Use an existing tag; only editors create tags.",
        "blank": "A tag needs a name.",
        "null_characters": "Null characters are not allowed.",
        "too_long": "Tag names are at most {max_length} characters.",
        "invalid": "A tag is a string (its slug or, for editors, a new name).",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(slug_field="slug", queryset=Tag.objects.all(), **kwargs)

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs |= {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return TagListField(**list_kwargs)

    def to_representation(self, tag: Tag) -> dict:
        return {"slug": tag.slug, "name": tag.name}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        request = self.context.get("request")
        if "\x00" in data:  # PostgreSQL refuses NUL: not a 500
            self.fail("null_characters")
        max_length = Tag._meta.get_field("name").max_length
        if len(data) > max_length:  # as sent: the schema's maxLength
            self.fail("too_long", max_length=max_length)
        name = " ".join(data.split())
        if not name:
            self.fail("blank")
        if not (request and permissions.is_editor(request.user)):
            return super().to_internal_value(data)
        existing = Tag.objects.filter(Q(slug=name) | Q(name__iexact=name)).first()
        # Unsaved until the post is saved, so a refused post creates no tags.
        return existing or Tag(name=name)


class TagListField(ManyReferencesField):
    """A post's tags, read from the list `Post.objects.for_api()` prefetched when there."""

    def get_attribute(self, instance):
        return _tags(instance) if getattr(instance, "pk", None) else super().get_attribute(instance)


class FieldSelectionMixin:
    """`?fields=a,b` keeps only those top-level fields of each object; `?omit=a,b` drops
    them. Only the output is shaped: what a write accepts never depends on them."""

    shape_params = ("fields", "omit")

    def to_representation(self, instance) -> dict:
        data = super().to_representation(instance)
        keep = self._kept_fields(tuple(data))
        return data if keep is None else {key: data[key] for key in data if key in keep}

    def _kept_fields(self, available: tuple[str, ...]) -> set[str] | None:
        cache = self.context.setdefault("_kept_fields", {})
        if available in cache:
            return cache[available]
        request = self.context.get("request")
        params = request.query_params if request else {}
        keep = None
        for name in self.shape_params:
            if name not in params:
                continue
            asked = {part.strip() for part in params[name].split(",") if part.strip()}
            unknown = sorted(asked - set(available))
            if unknown or not asked:
                listed = ", ".join(available)
                raise ValidationError(
                    {name: [f"Unknown field {', '.join(unknown)}. Fields: {listed}."]}
                )
            keep = keep if keep is not None else set(available)
            keep = keep & asked if name == "fields" else keep - asked
        cache[available] = keep
        return keep


class CoverImageSerializer(serializers.Serializer):
    """A post's cover as readers get it: the original on the site's origin, its size and
    alt text (renditions: `/api/images/{id}/`)."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    alt_text = serializers.CharField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)

    @extend_schema_field(serializers.URLField())
    def get_url(self, image) -> str:
        url = image.url
        return site_url(url) if url.startswith("/") else url


class ExcerptField(StrictCharField):
    """`excerpt`: read, what readers get (the written excerpt, else the start of the
    current body: `Post.summary`); written, the writer's own excerpt ("" = from the body).

    Sending back the excerpt a GET gave, while it comes from the body, keeps it derived:
    a read-modify-write of another field must not freeze it (`written_excerpt` tells the
    two apart)."""

    def get_attribute(self, instance):
        return (
            instance.summary if getattr(instance, "pk", None) else super().get_attribute(instance)
        )


class CanonicalURLField(StrictCharField):
    """`canonical_url`: "" or an absolute http(s) URL another site may hold, checked by
    `blog.seo.validate_canonical_url` (its messages); the schema's pattern is a subset of
    what that accepts, so every URL a client generates from it is taken."""

    schema_pattern = rf"^https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::{PORT})?(?:[/?#][!-~]*)?$"

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)  # the URL exactly as given


class MembersBody:
    """A body field: null in a response for a reader who may not read a members-only
    post's body (`PostSerializer.to_representation`; the schema says so through
    `blog.api.schema_extensions`)."""


class BodyField(MembersBody, StrictCharField):
    """`body`: the Markdown, written as text (never null), read as text or null."""


class BodyHTMLField(MembersBody, serializers.CharField):
    """`body_html`: rendered from `body` on save."""


Newsletter = Post._meta.get_field("newsletter").related_model  # lazy: blog imports no app above


class PostListSerializer(serializers.ListSerializer):
    """A page of posts: the values other apps show with each post (`blog.extras`) read
    once for the whole page, not once per post."""

    def to_representation(self, data) -> list:
        posts = list(data.all() if hasattr(data, "all") else data)
        extras.attach(posts)
        return super().to_representation(posts)


class PostSerializer(FieldSelectionMixin, StrictModelSerializer):
    excerpt = ExcerptField(
        max_length=Post._meta.get_field("excerpt").max_length,
        allow_blank=True,
        required=False,
        help_text=(
            "What readers see: the written excerpt, or else the start of the body, kept up "
            'to date with it. Write "" to have it taken from the body.'
        ),
    )
    written_excerpt = serializers.CharField(
        source="excerpt",
        read_only=True,
        help_text='The excerpt as the writer wrote it; "" when it is taken from the body.',
    )
    slug = StrictSlugField(
        max_length=Post._meta.get_field("slug").max_length,
        required=False,
        help_text=(
            "Made from the title unless given. Changing it keeps the old address "
            "as a redirect once readers could have seen it; a taken slug is a 409."
        ),
    )
    url = serializers.SerializerMethodField(help_text="The public page of the post.")
    state = serializers.ChoiceField(choices=Post.State.choices, read_only=True)
    author = AuthorSummarySerializer(read_only=True, help_text="The lead author: `authors[0]`.")
    authors = serializers.SerializerMethodField(
        help_text="Every author, in byline order; the first is `author`."
    )
    author_ids = StrictPrimaryKeyRelatedField(
        many=True,
        allow_empty=False,  # the schema says minItems 1: a post needs an author
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        write_only=True,
        help_text=(
            "Editors only: the byline as user ids, in order (the first is the lead author). "
            "Any listed author may edit the post like its owner."
        ),
    )
    expires_at = StrictDateTimeField(
        required=False,
        allow_null=True,
        help_text=(
            "When the post leaves public view (null: never). After `published_at`; set by "
            "those who may publish. Once passed, `state` is `expired`."
        ),
    )
    category = CategorySerializer(read_only=True, allow_null=True)
    category_id = StrictPrimaryKeyRelatedField(
        source="category",
        queryset=Category.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
    )
    tags = TagSlugField(
        many=True, required=False, help_text="Read as {slug, name}; written as slugs."
    )
    cover_image = CoverImageSerializer(read_only=True, allow_null=True)
    cover_image_id = StrictPrimaryKeyRelatedField(
        source="cover_image",
        queryset=Post._meta.get_field("cover_image").related_model.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="An image of the library (`/api/images/`), or null for none.",
    )
    canonical_url = CanonicalURLField(
        max_length=CANONICAL_MAX_LENGTH,
        allow_blank=True,
        required=False,
        validators=[validate_canonical_url],
        help_text="Where the original lives (another site allowed): an absolute http(s) "
        'URL without user name or password; "" for the post\'s own address.',
    )
    social_image = CoverImageSerializer(
        read_only=True,
        allow_null=True,
        help_text="The social card's picture as written; null: the cover image is used.",
    )
    social_image_id = StrictPrimaryKeyRelatedField(
        source="social_image",
        queryset=Post._meta.get_field("social_image").related_model.objects.all(),
        allow_null=True,
        required=False,
        write_only=True,
        help_text="An image of the library for social cards, or null: the cover image.",
    )
    reading_minutes = serializers.IntegerField(read_only=True)
    body = BodyField(
        max_length=Post._meta.get_field("body").max_length,
        help_text="Markdown. Null in a response for a members-only post whose body you may "
        "not read (anonymous clients).",
    )
    body_html = BodyHTMLField(
        read_only=True,
        help_text="The body rendered and sanitised. Null as `body` is.",
    )
    newsletter = StrictPrimaryKeyRelatedField(
        queryset=Newsletter.objects.all(),
        allow_null=True,
        required=False,
        help_text="The newsletter (`/api/newsletters/`) that e-mails this post to its members "
        "once, when the post goes public (at once, or at its scheduled time): an active "
        "newsletter that sends each post. Null: none. Changing it once the post's issue "
        "exists (it was sent, or is being sent) is allowed and changes nothing: a post is "
        "e-mailed at most once.",
    )
    changed_at = serializers.DateTimeField(
        read_only=True,
        help_text="The sync marker: cursor pages and `updated_after` follow it (docs/api.md).",
    )

    class Meta:
        model = Post
        fields = [
            "id", "title", "slug", "url", "excerpt", "written_excerpt", "body", "body_html",
            "status", "state",
            "author", "authors", "author_ids", "category", "category_id", "tags",
            "cover_image", "cover_image_id", "reading_minutes", "published_at", "expires_at",
            "created_at", "updated_at", "changed_at",
            # Search engines and social cards, as written ("" / null / false: blog.seo's
            # fallbacks apply on the page).
            "meta_title", "meta_description", "canonical_url", "social_title",
            "social_description", "social_image", "social_image_id", "noindex",
            # Members (docs/members.md): who reads the body; the newsletter that sends it.
            "audience", "newsletter",
        ]  # fmt: skip
        read_only_fields = ["id", "body_html", "created_at", "updated_at"]
        list_serializer_class = PostListSerializer

    def get_fields(self) -> dict:
        """The declared fields, then one read-only field per registered `blog.extras`
        value (`comment_count`, from the comments app)."""
        fields = super().get_fields()
        for extra in extras.registered():
            if extra.api_field is not None:
                fields[extra.name] = extra.api_field()
        return fields

    def to_representation(self, post: Post) -> dict:
        if extras.registered() and not extras.attached(post):
            extras.attach([post])  # a single post (a list attached its page's already)
        data = super().to_representation(post)
        if not may_read_body(post, self.context.get("request")):
            for name in ("body", "body_html"):
                if name in data:  # unless `?fields=` / `?omit=` left it out
                    data[name] = None
        return data

    @extend_schema_field(serializers.URLField())
    def get_url(self, post: Post) -> str:
        # On the site's origin, with or without a request (webhooks, tasks).
        return site_url(post.get_absolute_url())

    @extend_schema_field(AuthorSummarySerializer(many=True))
    def get_authors(self, post: Post) -> list[dict]:
        return [
            {"username": user.username, "display_name": user.public_name}
            for user in post.authors_in_order
        ]

    def validate_slug(self, slug: str) -> str:
        refusal = slug_refusal(self.instance or Post(), slug)
        if refusal:  # taken, or old links lead elsewhere from it: a conflict, a 409
            raise ValidationError(refusal, code="unique")
        return slug

    def validate_excerpt(self, excerpt: str) -> str:
        post = self.instance
        if post is not None and not post.excerpt.strip() and excerpt.strip() == post.summary:
            return ""  # the derived excerpt, sent back as read: it stays derived
        return excerpt

    def validate_newsletter(self, newsletter):
        if newsletter is not None and not (
            newsletter.active and newsletter.cadence == Newsletter.Cadence.POST
        ):
            raise ValidationError(
                "Choose an active newsletter that sends each post (not an archived one or "
                "a weekly digest)."
            )
        return newsletter

    def validate_body(self, body: str) -> str:
        # A 400 naming `body`, rather than a plain-text post; the rendering is kept for
        # the save, which would otherwise render the same body again.
        self.body_rendering = validate_renderable(body)
        return body

    def validate(self, attrs: dict) -> dict:
        user = self.context["request"].user
        status = attrs.get("status", getattr(self.instance, "status", Post.Status.DRAFT))
        if not permissions.can_set_status(user, self.instance, status):
            raise PermissionDenied("You may save drafts only; an editor publishes them.")
        if "author_ids" in attrs:
            if not permissions.can_set_authors(user):
                raise PermissionDenied("Only editors choose a post's authors.")
            if not attrs["author_ids"]:
                raise ValidationError({"author_ids": ["A post needs at least one author."]})
        if "expires_at" in attrs:
            stored = getattr(self.instance, "expires_at", None)
            if attrs["expires_at"] != stored and not permissions.can_set_expiry(user):
                raise PermissionDenied("Only those who may publish set when a post expires.")
        published_at = attrs.get("published_at", getattr(self.instance, "published_at", None))
        if published_at is None and status == Post.Status.PUBLISHED:
            published_at = timezone.now()  # published now: `Post.derive` dates it so
        expires_at = attrs.get("expires_at", getattr(self.instance, "expires_at", None))
        if error := expiry_error(published_at, expires_at):
            # Both times from the request (a new publication time is now): it contradicts
            # itself, a 400. One of them stored: a valid value that conflicts with the post
            # as it is, a 409 (as a taken slug is).
            stored_published_at = getattr(self.instance, "published_at", None)
            published_in_request = "published_at" in attrs or stored_published_at is None
            in_request = published_in_request and "expires_at" in attrs
            code = "invalid" if in_request else "conflict"
            raise ValidationError({"expires_at": [ErrorDetail(error, code=code)]})
        return attrs

    def create(self, validated_data: dict) -> Post:
        """A new post through `blog.services` (the view names the author: the user)."""
        data = self._write_data(validated_data)
        return post_create(data=data, user=self.context["request"].user)

    def update(self, post: Post, validated_data: dict) -> Post:
        """Write only the fields the request names (and what the post derives from them).

        The view hands in a copy read under the row lock it checked the version with
        (`PostViewSet._locked`), so a concurrent PATCH of another field is neither
        overwritten nor lost.
        """
        data = self._write_data(validated_data)
        user = self.context["request"].user
        return post_update(post=post, data=data, user=user, only_given=True)

    def _write_data(self, validated_data: dict) -> dict:
        data = dict(validated_data)
        if data.get("tags") is not None:
            data["tags"] = _saved(data["tags"])
        if "author_ids" in data:
            data["authors"] = data.pop("author_ids")
        if rendering := getattr(self, "body_rendering", None):
            data["rendering"] = rendering
        return data


def _tags(post: Post) -> list[Tag]:
    """The post's tags: the list `Post.objects.for_api()` prefetched, else from its
    manager (a post just saved, or read some other way)."""
    tags = getattr(post, "api_tags", None)
    return post.tags.all() if tags is None else tags


def _saved(tags: list[Tag]) -> list[Tag]:
    """Create the new tags an editor named (see `TagSlugField`)."""
    return [tag if tag.pk else Tag.objects.get_or_create_named(tag.name) for tag in tags]


class TombstoneSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The post's id.")
    slug = serializers.CharField()
    reason = serializers.ChoiceField(choices=["deleted", "unpublished", "expired"])
    at = serializers.DateTimeField(help_text="When it left public view.")


class TombstonePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    cursor = serializers.CharField(
        allow_null=True, help_text="Resume from here later (null: nothing listed yet)."
    )
    results = TombstoneSerializer(many=True)


class TombstoneQuerySerializer(serializers.Serializer):
    since = StrictDateTimeField(required=False, help_text="Only those after this time.")
    cursor = serializers.RegexField(
        r"^[A-Za-z0-9_-]*$",
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="A `next` or `cursor` value: continue after it (overrides `since`).",
    )
    limit = serializers.IntegerField(min_value=1, max_value=1000, default=100)
