"""The admin's "View on site" shortcut (`/admin/r/<content type>/<id>/`), under the admin's
own rules.

Django's `contenttypes.views.shortcut` redirects any staff user to the page of any object
id, so walking ids would list every draft and scheduled title to a Contributor. This
version answers 404 unless the object is in the model admin's queryset for the user and
`has_view_permission(request, obj)` allows it (for posts: `blog.permissions.can_view`).
It takes the admin's own route name (`admin:view_on_site`) by being listed before
`admin.site.urls` in the URLconf.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from core.origin import on_site_origin


def view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """Redirect to the object's page only if this user may see the object in the admin."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist as error:
        raise Http404("No such object.") from error
    if model is None:  # a content type whose model is gone
        raise Http404("No such object.")
    try:
        model_admin = admin.site.get_model_admin(model)
    except NotRegistered as error:
        raise Http404("No such object.") from error
    try:
        obj = model_admin.get_queryset(request).get(pk=object_id)
    except (ObjectDoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such object.") from error
    if not model_admin.has_view_permission(request, obj):
        raise Http404("No such object.")
    # The redirect names the site's origin (BROADSHEET_SITE_URL), never the Host header.
    return on_site_origin(shortcut)(request, content_type_id, object_id)


urlpatterns = [
    path(
        "r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
        name="view_on_site_checked",
    ),
]
