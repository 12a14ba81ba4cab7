"""Django's password views with the site's rules on top.

- `PasswordResetView`: at most `RESETS_PER_ADDRESS` mails an hour per client address and
  `RESETS_PER_EMAIL` per e-mail address (counted in the cache, like the login limits of
  `accounts.login_limits`). Over a limit nothing is sent, and the answer is the same
  "check your e-mail" page as always: it never tells whether an account exists.
- `PasswordResetConfirmView`: says "Choose a password" to an invited writer who never had
  one, signs the user in once it is set, and takes staff to the admin (a writer who
  accepted an invitation lands where they write, not on the home page).
- `LoginView`: staff with no `next` land on the admin too.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from core.client_ip import client_ip

RESETS_PER_ADDRESS = 5
RESETS_PER_EMAIL = 3
RESET_WINDOW_SECONDS = 3600


def _spend(key: str, limit: int) -> bool:
    """Count one more for `key` in the window; False once `limit` was already reached."""
    cache.add(key, 0, timeout=RESET_WINDOW_SECONDS)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=RESET_WINDOW_SECONDS)
        return True


def reset_allowed(request: HttpRequest, email: str) -> bool:
    """May one more reset mail go out for this client address and this e-mail address?"""
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:32]
    by_address = _spend(f"password-resets:ip:{client_ip(request)}", RESETS_PER_ADDRESS)
    by_email = _spend(f"password-resets:email:{digest}", RESETS_PER_EMAIL)
    return by_address and by_email


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view; over the limits it skips the mail and answers exactly the same."""

    def form_valid(self, form):
        if reset_allowed(self.request, form.cleaned_data["email"]):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    post_reset_login = True
    # Several backends are configured: the one that loads users by id.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        first = self.user is not None and not self.user.has_usable_password()
        context["first_password"] = first
        context["title"] = "Choose a password" if first else "Choose a new password"
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.user.is_staff:
            messages.success(self.request, "Your password is set and you are logged in.")
        return response

    def get_success_url(self) -> str:
        if self.user.is_staff:
            return reverse("admin:index")
        return super().get_success_url()


class LoginView(auth_views.LoginView):
    def get_default_redirect_url(self) -> str:
        """Without `next`, staff go to the admin, readers to LOGIN_REDIRECT_URL."""
        if self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()
