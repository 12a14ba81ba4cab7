"""`/api/pages/`: pages as the posts' API has them, without filing or the mirrors' extras.

The same conventions as `/api/posts/` (it is the posts' viewset, `blog.api.views`):
strict fields and parameters, ETag / If-Match, 409 for a taken slug, the page cache for
anonymous reads, and the posts' per-object rules (`blog.permissions`). Anonymous readers
list public pages; writers also their own; editors all. Creating a page needs
`pages.add_page` (Authors and Editors). No `category`, `tags`, tombstones or
`published` list: pages are not mirrored (docs/site-owners.md, "Pages").
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from blog import permissions, slugs
from blog.api.filters import PostFilter
from blog.api.permissions import PostPermission
from blog.api.serializers import PostSerializer
from blog.api.views import PostViewSet
from blog.services import post_create

from .models import Page

FILING = {"category", "category_id", "tags"}
# Pages have an audience (a members-only page) but are never e-mailed.
NOT_FOR_PAGES = FILING | {"newsletter"}


class PageSerializer(PostSerializer):
    class Meta(PostSerializer.Meta):
        model = Page
        fields = [name for name in PostSerializer.Meta.fields if name not in NOT_FOR_PAGES]

    def get_fields(self):
        fields = super().get_fields()
        for name in NOT_FOR_PAGES:
            fields.pop(name, None)
        fields["url"].help_text = "The public page: /<slug>/ at the site root."
        return fields

    def validate_slug(self, slug: str) -> str:
        if slugs.is_root_name(slug):  # a 400: not taken by another page, used by the site
            raise ValidationError(slugs.root_name_refusal(slug))
        refusal = slugs.slug_refusal(self.instance or Page(), slug)
        if refusal:
            raise ValidationError(refusal, code="unique")
        return slug

    def create(self, validated_data: dict) -> Page:
        data = self._write_data(validated_data)
        return post_create(post=Page(), data=data, user=self.context["request"].user)


class PageFilter(PostFilter):
    """The posts' filters but those of filing (pages have no category or tags)."""

    class Meta(PostFilter.Meta):
        model = Page


PageFilter.base_filters.pop("category", None)
PageFilter.base_filters.pop("tag", None)
PageFilter.base_filters.pop("tag_all", None)


class PagePermission(PostPermission):
    """As for posts; creating a page needs `pages.add_page` (Authors and Editors)."""

    message = "You may not change this page."

    def has_permission(self, request, view) -> bool:
        if request.method == "POST" and request.user.is_authenticated:
            return permissions.is_writer(request.user) and request.user.has_perm("pages.add_page")
        return super().has_permission(request, view)


class PageViewSet(PostViewSet):
    """Pages. Anonymous readers see public pages; writers also their own; editors all."""

    serializer_class = PageSerializer
    permission_classes = [PagePermission]
    filterset_class = PageFilter
    filter_backends = PostViewSet.filter_backends
    reference_fields = ("cover_image_id",)
    action_query_params = {}
    # Not for pages: the mirrors' tombstones, the public-only list, by-slug redirects
    # that follow the posts' old addresses.
    tombstones = None
    published = None
    by_slug = None

    def get_queryset(self):
        return permissions.visible_posts(self.request.user, Page.objects.for_api())
