"""Pages behind the links of a newsletter e-mail: unsubscribe, and view in browser.

Neither asks anyone to sign in: the signed token in the address is the authority (what
it may do is narrow: take one member off one newsletter; show one issue as one member
received it). Neither is page-cached (`never_cache`): they are one member's pages.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from blog.models import Post
from core.origin import site_url

from .mail import ACCOUNT_PATH, read_view_token, render_issue
from .models import Delivery, Issue, Newsletter, Subscription
from .unsubscribe import read_unsubscribe_token, unsubscribe


def _bad_link(request: HttpRequest, what: str) -> HttpResponse:
    return render(
        request,
        "newsletters/bad_link.html",
        {"what": what, "account_url": site_url(ACCOUNT_PATH)},
        status=400,
    )


# CSRF is off on purpose: RFC 8058's one-click unsubscribe is a POST from the mail
# provider's servers, with no cookie and no form of ours before it. The signed token in
# the URL is the authority; a forged cross-site POST needs that token, and anyone holding
# it may unsubscribe its member by design (from the e-mail's footer).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: "Unsubscribe from <newsletter>?" with a button (a GET changes nothing: link
    scanners and previews open links). POST — the button, or a mail client's
    `List-Unsubscribe=One-Click` — unsubscribes at once and answers 200. Idempotent."""
    try:
        member_id, newsletter_id = read_unsubscribe_token(token)
    except signing.BadSignature:
        return _bad_link(request, "unsubscribe")
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    context = {"newsletter": newsletter, "account_url": site_url(ACCOUNT_PATH)}
    if request.method == "POST":
        unsubscribe(member_id, newsletter_id)
        return render(request, "newsletters/unsubscribed.html", context)
    subscribed = Subscription.objects.filter(
        member_id=member_id, newsletter_id=newsletter_id
    ).exists()
    if not subscribed or newsletter is None:
        return render(request, "newsletters/unsubscribed.html", context)
    return render(request, "newsletters/unsubscribe.html", context)


@never_cache
@require_GET
def view_in_browser(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail as a page, for the member it was sent to. A members-only post is shown
    in full only to a member who received the issue (the token is theirs, and the
    delivery still names them: a deleted member's link no longer opens it); anyone else
    with a genuine link goes to the post's page, which shows its title and excerpt. A post
    no longer public is not shown at all."""
    try:
        issue_id, member_id = read_view_token(token)
    except signing.BadSignature:
        return _bad_link(request, "view")
    issue = Issue.objects.select_related("newsletter").filter(pk=issue_id).first()
    if issue is None or (issue.post_id is None and issue.week is None):
        return _gone(request)
    if issue.post_id is not None:
        post = Post.objects.public().filter(pk=issue.post_id).only("pk", "slug", "audience")
        post = post.first()
        if post is None:
            return _gone(request)
        received = Delivery.objects.filter(issue=issue, member_id=member_id).exists()
        if post.audience == Post.Audience.MEMBERS and not received:
            return HttpResponseRedirect(post.get_absolute_url())
    rendered = render_issue(issue, in_browser=True)
    response = HttpResponse(rendered.html_for(member_id, ""))
    response["X-Robots-Tag"] = "noindex"
    return response


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletters/gone.html", status=404)
