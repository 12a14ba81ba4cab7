"""The image library inside the post editor: drop, paste or choose a picture.

`ImageChooserExtension` adds three JSON views under `/admin/blog/post/images/` to blog's
post admin through its extension points (`blog.admin.hooks`, registered in
`ImagesConfig.ready()`), and the dialogs that `static/editor/images.js` drives after
the form:

- `images/` (GET `q`, `page`): library images with a thumbnail each, for the chooser;
- `images/upload/` (POST `file`, `alt_text` or `decorative`, `caption`): one upload,
  through `services.image_create` like every other upload, with its checks and limits;
- `images/<id>/` (GET): one image, for the cover field's thumbnail.

Every view asks `images.permissions.can_use` (writers and up) behind the admin's login
(`admin_view`, which also marks them never cached), and the POST is CSRF-checked by
Django's middleware. Without JavaScript nothing of this
shows: the cover keeps the admin's own field and bodies take `![alt](image:N)` typed in.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST

from blog.admin.hooks import PostAdminExtension

from . import permissions, services
from .body import markdown_for
from .conf import image_setting
from .models import Image
from .processing import ACCEPTED_FORMATS, MIME_TYPES, RefusedImage, accepted_names

PER_PAGE = 24
MAX_QUERY_LENGTH = 100


def chooser_item(image: Image) -> dict:
    """What the chooser shows of one image: its smallest rendition as the thumbnail
    (the original until the worker has made renditions)."""
    thumbnail = image.fallback[0]
    return {
        "id": image.pk,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "width": image.width,
        "height": image.height,
        "thumbnail": {"url": thumbnail.url, "width": thumbnail.width, "height": thumbnail.height},
        "markdown": markdown_for(image),
    }


class DroppedImageForm(forms.Form):
    """A picture dropped, pasted or uploaded in the editor: alt text, or "decorative"."""

    file = forms.FileField()
    alt_text = forms.CharField(max_length=300, required=False, strip=True)
    decorative = forms.BooleanField(required=False)
    caption = forms.CharField(max_length=500, required=False, strip=True)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("alt_text") and not cleaned.get("decorative"):
            self.add_error(
                "alt_text",
                "Say what the image shows, for readers who cannot see it "
                "(or mark it as decorative).",
            )
        if cleaned.get("decorative"):
            cleaned["alt_text"] = ""  # a decorative picture says nothing: alt=""
        return cleaned


class ImageChooserExtension(PostAdminExtension):
    """The post editor's image chooser and drop target (see the module docstring)."""

    after_form_template = "images/admin/chooser.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path("images/", view(self.choose_view), name=self.url_name("post_image_choose")),
            path("images/upload/", view(self.upload_view), name=self.url_name("post_image_upload")),
            path(
                "images/<int:image_id>/",
                view(self.image_view),
                name=self.url_name("post_image_detail"),
            ),
        ]

    def change_form_context(self, request, obj, add) -> dict:
        if not permissions.can_use(request.user):
            return {}
        return {
            "image_chooser": {
                "choose_url": self.reverse("post_image_choose"),
                "upload_url": self.reverse("post_image_upload"),
                "detail_url": self.reverse("post_image_detail", args=[0]),
                "max_bytes": image_setting("MAX_BYTES"),
                "accept": ",".join(MIME_TYPES[f] for f in ACCEPTED_FORMATS),
                "accepted_names": accepted_names(),
            }
        }

    @staticmethod
    def _check(request: HttpRequest) -> None:
        if not permissions.can_use(request.user):
            raise PermissionDenied

    @method_decorator(require_GET)
    def choose_view(self, request: HttpRequest) -> JsonResponse:
        """A page of library images, newest first, searched in alt text, caption, credit."""
        self._check(request)
        images = Image.objects.prefetch_related("renditions").order_by("-created_at", "-id")
        query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
        if query:
            images = images.filter(
                Q(alt_text__icontains=query)
                | Q(caption__icontains=query)
                | Q(credit__icontains=query)
            )
        page = Paginator(images, PER_PAGE).get_page(request.GET.get("page"))
        return JsonResponse(
            {
                "results": [chooser_item(image) for image in page],
                "page": page.number,
                "pages": page.paginator.num_pages,
                "count": page.paginator.count,
                "query": query,
            }
        )

    @method_decorator(require_GET)
    def image_view(self, request: HttpRequest, image_id: int) -> JsonResponse:
        self._check(request)
        image = Image.objects.prefetch_related("renditions").filter(pk=image_id).first()
        if image is None:
            raise Http404("No such image.")
        return JsonResponse(chooser_item(image))

    @method_decorator(require_POST)
    def upload_view(self, request: HttpRequest) -> JsonResponse:
        """Store one picture (services.image_create: checked, cleaned, limited)."""
        self._check(request)
        form = DroppedImageForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            first = next(iter(errors.values()))[0]
            return JsonResponse({"error": first, "errors": errors}, status=400)
        data = form.cleaned_data
        try:
            image = services.image_create(
                upload=data["file"],
                alt_text=data["alt_text"],
                caption=data["caption"],
                uploaded_by=request.user,
            )
        except RefusedImage as refused:
            return JsonResponse(
                {"error": str(refused), "errors": {"file": [str(refused)]}}, status=400
            )
        return JsonResponse(chooser_item(image), status=201)
