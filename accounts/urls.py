"""Login, logout, password change and reset, rendered with the site's own templates."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.cache import never_cache

from config.origin import on_site_origin

app_name = "accounts"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        # A signed-in page (Django's own marks login and reset never_cache; not this one).
        never_cache(
            auth_views.PasswordChangeView.as_view(
                success_url=reverse_lazy("accounts:password_change_done")
            )
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        never_cache(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        # The mailed link is on the site's origin, never on the requester's Host.
        on_site_origin(
            auth_views.PasswordResetView.as_view(
                success_url=reverse_lazy("accounts:password_reset_done"),
                email_template_name="registration/password_reset_email.txt",
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
