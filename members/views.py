"""What a reader does as a member: `/members/…` (docs/members.md, "What a member sees").

Every page here is personal or carries a form: none goes through the page cache, and all
answer `Cache-Control: private, no-store` (`never_cache` plus `no-store`). Each view
parses, calls `members.services`, renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.client_ip import client_ip
from newsletters.models import Newsletter

from . import services
from .forms import AccountForm, SignInForm, SignUpForm
from .models import Member, SignInLink
from .sessions import forget, remember


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Never stored by a browser or a proxy, never indexed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in members only; anyone else is sent to the sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "member", None) is None:
            return redirect("members:signin")
        return view(request, *args, **kwargs)

    return wrapper


def _sign_out_here(request: HttpRequest) -> None:
    """Sign the member out of this browser; with no staff login in the session either,
    the session goes too (and with it the cookie, so cached pages are served again)."""
    if request.user.is_authenticated:
        forget(request)
    else:
        request.session.flush()
        request.member = None


def next_url(request: HttpRequest) -> str:
    """The `next` the request carries (POST, else the query string), if it is a URL of
    this site (`url_has_allowed_host_and_scheme`: no other host, no other scheme, no
    `//evil.example`); else "". Comments send readers to sign in with `?next=` their post."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if value and allowed else ""


def _newsletters() -> list[Newsletter]:
    return list(Newsletter.objects.filter(active=True))


CHECK_INBOX_SALT = "members.check-inbox"
CHECK_INBOX_SECONDS = 3600


def _check_inbox(request: HttpRequest, email: str) -> HttpResponse:
    """The one answer to every valid sign-up or sign-in request, whoever the address is:
    a 303 to the "Check your inbox" page (Post/Redirect/Get: a reload sends nothing).
    The address rides along signed (no session: an anonymous reader keeps getting cached
    pages; signed: the page never shows words someone else put in a link)."""
    shown = signing.dumps(email, salt=CHECK_INBOX_SALT, compress=True)
    url = reverse("members:check_inbox") + "?" + urlencode({"to": shown})
    return HttpResponseRedirect(url, status=303)


@private
@require_safe
def check_inbox(request: HttpRequest) -> HttpResponse:
    try:
        email = signing.loads(
            request.GET.get("to", ""), salt=CHECK_INBOX_SALT, max_age=CHECK_INBOX_SECONDS
        )
    except signing.BadSignature:
        email = ""  # an old or edited address: the page without it
    return TemplateResponse(request, "members/check_inbox.html", {"email": email})


def _limited(request: HttpRequest, refused: services.RateLimited) -> HttpResponse:
    response = TemplateResponse(request, "members/limited.html", status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


@private
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """What members get, and the sign-up form."""
    after = next_url(request)  # where the confirmation link leads (a post's comments)
    if request.member is not None:
        return HttpResponseRedirect(after or reverse("members:account"))
    context = {"form": SignUpForm(), "newsletters": _newsletters(), "next": after}
    return TemplateResponse(request, "members/home.html", context)


# Without CSRF protection, on purpose: the footer's form is on every reader page, and a
# page from the page cache (or nginx's) is the same bytes for every visitor, so it cannot
# carry a per-visitor CSRF token. What a forged sign-up can do is send one confirmation
# (or sign-in) mail to an address: exactly what the attacker could ask for by filling the
# form themselves. It signs no one in and changes no member; the rate limits per address
# and per client (members.limits) bound it the same either way.
@private
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("members:home")
    form = SignUpForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "newsletters": _newsletters(), "next": next_url(request)}
        return TemplateResponse(request, "members/home.html", context, status=400)
    email = services.normalise_email(form.cleaned_data["email"])
    try:
        services.sign_up(
            email, form.cleaned_data["name"], client_ip(request), next_url=next_url(request)
        )
    except services.RateLimited as refused:
        return _limited(request, refused)
    return _check_inbox(request, email)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link (a page of its own, never cached: CSRF stays on). A safe
    `next` is carried in the form, then in the mailed link, to where its page goes."""
    after = next_url(request)
    if request.member is not None and request.method != "POST":
        return HttpResponseRedirect(after or reverse("members:account"))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        email = services.normalise_email(form.cleaned_data["email"])
        try:
            services.request_sign_in(email, client_ip(request), next_url=after)
        except services.RateLimited as refused:
            return _limited(request, refused)
        return _check_inbox(request, email)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": after}
    return TemplateResponse(request, "members/signin.html", context, status=status)


@private
@require_http_methods(["GET", "HEAD", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """An e-mailed link. GET only shows a button (mail scanners and link previews fetch
    links); the POST of that button consumes the link and signs in.

    `Referrer-Policy: same-origin`: the token never leaves as a Referer for another site,
    and the button's POST still carries the Referer/Origin Django's CSRF check needs.
    Signed in, the reader goes to the link's `next` if it is a URL of this site, else to
    their account.
    """
    after = next_url(request)
    if request.method == "POST":
        member = services.use_link(token)
        if member is None:
            response = TemplateResponse(request, "members/link_invalid.html", status=410)
        else:
            remember(request, member)
            if after:  # the account page says who is signed in: no second time there
                messages.success(request, f"You are signed in as {member.email}.")
            response = HttpResponseRedirect(after or reverse("members:account"))
    else:
        found = services.open_link(token)
        if found is None:
            response = TemplateResponse(request, "members/link_invalid.html", status=410)
        else:
            confirming = found.purpose == SignInLink.Purpose.CONFIRM
            context = {"link": found, "confirming": confirming, "next": after}
            response = TemplateResponse(request, "members/link.html", context)
    response["Referrer-Policy"] = "same-origin"
    return response


@private
@require_http_methods(["GET", "HEAD", "POST"])
def signout(request: HttpRequest) -> HttpResponse:
    """GET: a page with the "Sign out" button (a link followed must not sign anyone
    out); POST: signed out on this browser, and a page saying so."""
    if request.method == "POST":
        _sign_out_here(request)
        return TemplateResponse(request, "members/signed_out.html", {"everywhere": False})
    return TemplateResponse(request, "members/signout.html")


@private
@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Name and newsletters (one form), and the buttons for the rest."""
    member: Member = request.member
    if request.method == "POST":
        form = AccountForm(request.POST)
        if form.is_valid():
            services.update_account(
                member,
                name=form.cleaned_data["name"],
                newsletters=form.cleaned_data["newsletters"],
            )
            messages.success(request, "Saved.")
            return redirect("members:account")
        status = 400
    else:
        chosen = list(member.newsletters.filter(active=True).values_list("pk", flat=True))
        form = AccountForm(initial={"name": member.name, "newsletters": chosen})
        status = 200
    return TemplateResponse(request, "members/account.html", {"form": form}, status=status)


@private
@member_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Every session of this member ends, this browser's too (on a shared computer,
    "everywhere" should include the one in front of you)."""
    services.sign_out_everywhere(request.member)
    _sign_out_here(request)
    return TemplateResponse(request, "members/signed_out.html", {"everywhere": True})


@private
@member_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """Everything we keep about the member, as a JSON download."""
    data = services.member_data(request.member)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@private
@member_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    """GET: what deleting means, and the button; POST: the account is gone for good."""
    if request.method == "POST":
        services.delete_member(request.member)
        _sign_out_here(request)
        return TemplateResponse(request, "members/deleted.html")
    return TemplateResponse(request, "members/delete.html")
