"""One-click unsubscribe from reply mails: `/comments/replies/unsubscribe/<token>/`.

The token (`comments.notifications.unsubscribe_token`) is the member's id signed with
`django.core.signing`: it needs no login and does not expire (a mail read months later
still works); a damaged one answers 400 with a page saying so. GET shows a page with
one button (a link scanner that follows every link in a mail must not unsubscribe
anyone); POST unsubscribes, from that button or straight
from a mail client (RFC 8058: `List-Unsubscribe-Post: List-Unsubscribe=One-Click`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import notifications

app_name = "comments_unsubscribe"


# CSRF off: the signed token in the URL is the only credential (no session, no cookie is
# read), so a forged cross-site POST can do nothing that the link's holder cannot; and a
# mail client's one-click POST (RFC 8058) carries no CSRF token.
@csrf_exempt
@never_cache
def replies(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    member = notifications.member_from_token(token)
    if member is None:
        # A damaged link (cut short by a mail program): say so, as the newsletters'
        # unsubscribe does, rather than a bare "not found".
        response = render(request, "comments/unsubscribe_bad_link.html", status=400)
        response["X-Robots-Tag"] = "noindex"
        response["Referrer-Policy"] = "no-referrer"
        return response
    done = request.method == "POST"
    if done:
        notifications.opt_out_of_replies(member)
    response = render(request, "comments/unsubscribe_replies.html", {"done": done})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


urlpatterns = [path("<str:token>/", replies, name="replies")]
