"""Pages in the admin: the post admin (`blog.admin.posts.PostAdmin`), without filing.

A page goes through the posts' workflow (draft, review, scheduled, published), their
conflict check, revisions, autosave and preview (the extensions of `blog.admin.hooks`
attach to every `PostAdmin`, this one included) and their per-object rules
(`blog.permissions`). What differs: no category, no tags, and a slug that is not one of
the site's own first path segments (`pages.reserved`), since a page lives at `/<slug>/`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from blog import slugs
from blog.admin.forms import PostAdminForm
from blog.admin.posts import AuthorFilter, PostAdmin, ReviewFilter, StateFilter

from .models import Page

FILING = {"category", "tags", "new_tags"}
# A page may be for members only, but is never e-mailed.
NOT_FOR_PAGES = FILING | {"newsletter"}
PAGE_FIELDSET_NAMES = {"Summary and filing": "Summary", "Audience and newsletter": "Audience"}


class PageAdminForm(PostAdminForm):
    new_tags = None  # pages are not filed under tags

    class Meta(PostAdminForm.Meta):
        model = Page
        fields = [name for name in PostAdminForm.Meta.fields if name not in NOT_FOR_PAGES]

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug", "")
        if slug and slugs.is_root_name(slug):
            raise forms.ValidationError(slugs.root_name_refusal(slug))
        return super().clean_slug()


@admin.register(Page)
class PageAdmin(PostAdmin):
    form = PageAdminForm
    list_display = ["title", "state_column", "when", "address", "author_name"]
    list_filter = [ReviewFilter, StateFilter, "audience", AuthorFilter]
    list_select_related = ["author"]
    date_hierarchy = None
    autocomplete_fields = ["cover_image", "social_image"]
    ordering = ["title", "id"]
    # The posts' groups without filing: publication (expiry and co-authors included) and
    # the SEO fields as posts have them. Every field the form holds must be shown, or a
    # save would clear what the page has (an expiry, its co-authors).
    fieldsets = [
        (
            {"Summary and filing": "Summary", "Audience and newsletter": "Audience"}.get(
                name, name
            ),
            {**options, "fields": [f for f in options["fields"] if f not in NOT_FOR_PAGES]},
        )
        for name, options in PostAdmin.fieldsets
    ]

    @admin.display(description="address", ordering="slug")
    def address(self, page: Page) -> str:
        return page.get_absolute_url()

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Pages", **(extra_context or {})})
