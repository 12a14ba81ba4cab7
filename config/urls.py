"""URL map of the blueprint: pages, feeds, crawlers, accounts, admin, API and health."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("config.health")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/webhooks/", include("webhooks.urls")),
    path("api/", include("blog.api.urls")),
    path("", include("blog.urls")),
]

handler400 = "blog.views.errors.bad_request"
handler404 = "blog.views.errors.page_not_found"
handler500 = "blog.views.errors.server_error"
