"""Login, logout, password change and reset, rendered with the site's own templates.

Django's auth views name the site after `get_current_site(request)`, which without the
sites framework is the request's `Host`; every view here gets the configured site name
instead (`SITE`, read when the page is drawn), the reset mail too. The views with rules
of their own (limits, where staff land) are in `accounts.views`.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.functional import lazy
from django.views.decorators.cache import never_cache

from core.origin import on_site_origin
from core.sitevalues import site_values

from . import views
from .forms import PasswordResetForm

app_name = "accounts"

SITE = {"site_name": lazy(lambda: site_values().name, str)()}

# The mailed link is on the site's origin, never on the requester's Host. The admin's
# "Forgotten your password?" (accounts/admin_urls.py) is this same view.
password_reset = on_site_origin(
    views.PasswordResetView.as_view(
        form_class=PasswordResetForm,  # also for accounts with no password yet
        success_url=reverse_lazy("accounts:password_reset_done"),
        email_template_name="registration/password_reset_email.txt",
        extra_context=SITE,
        extra_email_context=SITE,
    )
)

urlpatterns = [
    path(
        "login/",
        views.LoginView.as_view(redirect_authenticated_user=True, extra_context=SITE),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(extra_context=SITE), name="logout"),
    path(
        "password/change/",
        # A signed-in page (Django's own marks login and reset never_cache; not this one).
        never_cache(
            auth_views.PasswordChangeView.as_view(
                success_url=reverse_lazy("accounts:password_change_done"), extra_context=SITE
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        never_cache(auth_views.PasswordChangeDoneView.as_view(extra_context=SITE)),
        name="password_change_done",
    ),
    path("password/reset/", password_reset, name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(extra_context=SITE),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete"), extra_context=SITE
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(extra_context=SITE),
        name="password_reset_complete",
    ),
]
