"""URL map of the blueprint: pages, feeds, crawlers, accounts, admin, API and health."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.health")),
    # Readers' pages next: Django tries patterns in order, and they are most requests (no
    # blog path starts with admin/, accounts/ or api/, so the order changes nothing else).
    path("", include("blog.urls")),
    # Shared preview links of drafts for people without an account (never page-cached);
    # before any root catch-all (pages at `/<slug>/` must refuse the slug "preview").
    path("preview/", include("previews.urls")),
    # Members: sign-up, e-mailed sign-in links, the account (never page-cached).
    path("members/", include("members.urls")),
    # One-click unsubscribe from comment reply mails (a signed token, no login).
    path("comments/replies/unsubscribe/", include("comments.unsubscribe")),
    # Members' comments: post, edit, delete (POST, CSRF on; never page-cached).
    path("comments/", include("comments.urls")),
    # Before admin.site.urls: replaces its "View on site" shortcut with a checked one.
    path("admin/", include("blog.admin.shortcuts")),
    # The admin login's "Forgotten your password?" link (a name Django's admin looks up).
    path("admin/password_reset/", include("accounts.admin_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.urls")),
    path("newsletters/", include("newsletters.urls")),  # the e-mails' unsubscribe and view links
    # The mail providers' bounce, complaint and open webhooks (django-anymail; checked with
    # ANYMAIL["WEBHOOK_SECRET"] and the provider's signature; newsletters.tracking acts).
    path("anymail/", include("anymail.urls")),
]
# Uploaded media in development only (`static()` is empty unless DEBUG); in production
# nginx serves MEDIA_ROOT, or the files live in an S3 bucket.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
# Last of all: pages at the site root (`/about/`). Every route above is tried first, and
# their first segments are names a page may not take (pages.reserved).
urlpatterns += [path("", include("pages.urls"))]

handler400 = "blog.views.errors.bad_request"
handler404 = "blog.views.errors.page_not_found"
handler500 = "blog.views.errors.server_error"
