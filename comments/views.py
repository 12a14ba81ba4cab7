"""The reader's comment pages: post, edit and delete (POST, CSRF on), for members only.

Every answer works without JavaScript: a post redirects back to the post page at the new
comment (`#comment-ID`, Post/Redirect/Get), with a message when it waits for approval;
a refused one shows the form again with the member's text and the reason. Our script
(`comments/comments.js`) asks for JSON instead (`Accept: application/json`) and inserts
the returned fragment. These pages read a session, so they are never page-cached; the
member's post page they lead back to is not either (the page cache skips any request
with a session cookie), so the new comment is there.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from blog.audience import may_read_body
from core.client_ip import client_ip

from .forms import MARKDOWN_HINT, CommentForm, EditForm, rendered_stamp
from .models import Comment
from .policy import comments_open, thread_post
from .selectors import post_thread
from .services import (
    CommentRefused,
    can_edit,
    delete_comment,
    edit_comment,
    post_comment,
)
from .thread import SIGN_IN_PATH

WAITING_MESSAGE = "Your comment is waiting for approval."
EDIT_WAITING_MESSAGE = "Your comment has new links: it is waiting for approval again."


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _sign_in(next_url: str) -> HttpResponse:
    return redirect(f"{SIGN_IN_PATH}?next={quote(next_url, safe='/')}")


@require_POST
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    row = thread_post(post_id)
    if row is None or not row.is_public or not may_read_body(row, request):
        raise Http404("No post found.")
    member = getattr(request, "member", None)
    if member is None:
        if _wants_json(request):
            return JsonResponse({"error": "Sign in to comment."}, status=403)
        return _sign_in(row.get_absolute_url() + "#comments")
    form = CommentForm(request.POST)
    parent = None
    try:
        if not form.is_valid():
            raise CommentRefused(_first_error(form), "invalid")
        if parent_id := form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=parent_id, post_id=row.pk).first()
            if parent is None:
                raise CommentRefused("That comment cannot be replied to.", "bad_parent")
        comment = post_comment(
            post=row,
            member=member,
            body=form.cleaned_data["body"],
            parent=parent,
            client_ip=client_ip(request),
            form_seconds=form.form_seconds(),
            honeypot=form.cleaned_data.get("website", ""),
            from_form=True,
            user_agent=request.headers.get("User-Agent", ""),
            referrer=request.headers.get("Referer", ""),
        )
    except CommentRefused as refused:
        if _wants_json(request):
            return JsonResponse({"error": refused.message, "code": refused.code}, status=400)
        context = {
            "post": row,
            "parent": parent,
            "body": request.POST.get("body", ""),
            "error": refused.message,
            "hint": MARKDOWN_HINT,
            "rendered": rendered_stamp(),
        }
        return render(request, "comments/refused.html", context, status=400)
    waiting = comment.status == Comment.Status.PENDING
    message = WAITING_MESSAGE if waiting else ""
    if comment.status == Comment.Status.SPAM:
        message = WAITING_MESSAGE  # never tell a spammer which comments were caught
    if _wants_json(request):
        comment.own, comment.editable = True, can_edit(comment, member)
        return JsonResponse(
            {
                "id": comment.pk,
                "parent": comment.parent_id,
                # The heading's "Comments (N)" as a reload would show it (one query).
                "count": post_thread(row, member=member).count,
                "status": comment.status if comment.status != "spam" else "pending",
                "html": _fragment(request, row, comment, member)
                if comment.status != Comment.Status.SPAM
                else "",
                "message": message or "Your comment is posted.",
            },
            status=201,
        )
    if message:
        messages.info(request, message)
    anchor = "comments" if comment.status == Comment.Status.SPAM else f"comment-{comment.pk}"
    return redirect(f"{row.get_absolute_url()}#{anchor}")


def _fragment(request: HttpRequest, row, comment: Comment, member) -> str:
    """The new comment as the thread shows it: a reply alone, a top-level comment with
    its "Reply" form when it is approved (as a reload would draw it)."""
    if comment.parent_id is not None:
        return render_to_string("comments/_comment.html", {"comment": comment, "reply": True})
    context = {
        "comment": comment,
        "post": row,
        "open": comments_open(row),
        "member": member,
        "hint": MARKDOWN_HINT,
        "csrf_token": get_token(request),
        "rendered": rendered_stamp(),
    }
    return render_to_string("comments/_item.html", context)


def _own_comment(request: HttpRequest, comment_id: int) -> Comment:
    """The signed-in member's own comment `comment_id` (404 for anyone else's: no
    telling whose it is)."""
    member = getattr(request, "member", None)
    comment = get_object_or_404(
        Comment.objects.select_related("post"), pk=comment_id, member__isnull=False
    )
    if member is None or comment.member_id != member.pk:
        raise Http404("No comment found.")
    return comment


def _members_only(view):
    def wrapper(request: HttpRequest, comment_id: int) -> HttpResponse:
        if getattr(request, "member", None) is None:
            return _sign_in(request.path)
        return view(request, comment_id)

    wrapper.__name__ = wrapper.__qualname__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_http_methods(["GET", "POST"])
@_members_only
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Edit one's own comment, for 10 minutes after posting it."""
    comment = _own_comment(request, comment_id)
    back = f"{comment.post.get_absolute_url()}#comment-{comment.pk}"
    if comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        raise Http404("No comment found.")
    error = ""
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            was_approved = comment.status == Comment.Status.APPROVED
            try:
                edit_comment(comment, request.member, form.cleaned_data["body"])
            except CommentRefused as refused:
                error = refused.message
            else:
                if was_approved and comment.status != Comment.Status.APPROVED:
                    messages.info(request, EDIT_WAITING_MESSAGE)
                return redirect(back)
        else:
            error = _first_error(form)
    else:
        form = EditForm(initial={"body": comment.body})
    too_late = not can_edit(comment, request.member)
    if too_late and not error:
        error = "A comment can be edited for 10 minutes after posting."
    context = {"comment": comment, "form": form, "error": error, "too_late": too_late, "back": back}
    return render(request, "comments/edit.html", context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@_members_only
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Delete one's own comment, any time (a confirmation page, then a POST)."""
    comment = _own_comment(request, comment_id)
    if comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        raise Http404("No comment found.")  # not shown to them: nothing to delete
    back = f"{comment.post.get_absolute_url()}#comments"
    if request.method == "POST":
        try:
            delete_comment(comment, request.member)
        except PermissionDenied as denied:
            raise Http404("No comment found.") from denied
        messages.info(request, "Your comment is deleted.")
        return redirect(back)
    return render(request, "comments/delete.html", {"comment": comment, "back": back})


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form."
