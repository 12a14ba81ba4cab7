"""The image library in the admin: upload (checked like any upload), search, pick.

Posts pick their cover image through the autocomplete this admin's `search_fields`
enable, or through the post editor's image chooser (images/editor.py). Who may do what
is `images.permissions`, the same rule the API uses.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from . import permissions, services
from .body import markdown_for
from .models import Image
from .processing import ACCEPTED_FORMATS, MIME_TYPES, RefusedImage


class ImageUploadForm(forms.ModelForm):
    """A new image: the file is checked by content before anything is stored."""

    upload = forms.FileField(
        label="Image file",
        help_text="JPEG, PNG, WebP, GIF or AVIF; metadata such as GPS is removed.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(MIME_TYPES[f] for f in ACCEPTED_FORMATS)}
        ),
    )

    class Meta:
        model = Image
        fields = ["upload", "alt_text", "caption", "credit"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is not None and not self.errors:
            try:
                self.instance = services.image_create(
                    upload=upload,
                    alt_text=cleaned["alt_text"],
                    caption=cleaned.get("caption", ""),
                    credit=cleaned.get("credit", ""),
                    uploaded_by=self.request.user,
                )
            except RefusedImage as refused:
                self.add_error("upload", str(refused))
        return cleaned


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "format", "dimensions", "uploaded_by", "created_at"]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["format", "created_at"]
    search_fields = ["alt_text", "caption", "credit"]
    list_select_related = ["uploaded_by"]
    readonly_fields = [
        "preview",
        "markdown",
        "format",
        "dimensions",
        "size",
        "uploaded_by",
        "created_at",
    ]
    fields = ["preview", "alt_text", "caption", "credit", *readonly_fields[1:]]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("renditions")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ImageUploadForm
            kwargs["fields"] = ImageUploadForm.Meta.fields
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def get_fields(self, request, obj=None):
        return ImageUploadForm.Meta.fields if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        if change:  # new images were stored by the form (services.image_create)
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj) -> None:
        services.image_delete(image=obj)

    def delete_queryset(self, request, queryset) -> None:
        for image in queryset:
            services.image_delete(image=image)

    # --- who may do what: images.permissions --------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_use(request.user)

    def has_add_permission(self, request) -> bool:
        return permissions.can_use(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return permissions.can_use(request.user)
        return permissions.can_change(request.user, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.can_delete(request.user, obj)

    # --- display -----------------------------------------------------------------------

    @admin.display(description="image")
    def thumbnail(self, image: Image) -> str:
        small = image.fallback[0]
        return format_html(
            '<img src="{}" alt="" width="96" height="{}" loading="lazy">',
            small.url,
            max(1, round(96 * image.height / image.width)),
        )

    @admin.display(description="preview")
    def preview(self, image: Image) -> str:
        return format_html(
            '<img src="{}" alt="{}" style="max-width:480px;height:auto">',
            image.src.url,
            image.alt_text,
        )

    @admin.display(description="in a post body")
    def markdown(self, image: Image) -> str:
        return format_html("<code>{}</code>", markdown_for(image))

    @admin.display(description="size")
    def dimensions(self, image: Image) -> str:
        return f"{image.width} x {image.height}"
