"""The post form's "Scheduled changes" box: schedule the form's changes to a published
post for a time, see what waits, cancel it (editorial.scheduled).

Drawn after the post form (blog.admin.hooks); its "Schedule these changes" button and
time field belong to the post form (`form="post_form"`) and post the whole form to
`schedule_view` instead of saving it (`formaction`): the post form is validated as a save
would (the version check included), and the fields it would change are kept aside. The
live post is not written. A refused schedule keeps the writer's text as their autosave,
which the form offers back.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone

from blog import permissions
from blog.admin import zones
from blog.admin.forms import DATETIME_LOCAL
from blog.admin.hooks import PostAdminExtension
from blog.admin.states import format_moment
from blog.models import Post

from .admin import PostEditorExtension
from .models import Autosave, ScheduledUpdate
from .scheduled import (
    ScheduleRefused,
    can_schedule,
    field_label,
    fields_named,
    scheduled_update_cancel,
    scheduled_update_create,
)

APPLY_AT = "_apply_at"
APPLY_AT_FIELD = forms.DateTimeField(input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"])


class ScheduledUpdateExtension(PostAdminExtension):
    after_form_template = "admin/blog/post/scheduled_updates.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path(
                "<int:object_id>/scheduled-updates/",
                view(self.schedule_view),
                name=self.url_name("post_schedule_update"),
            ),
            path(
                "<int:object_id>/scheduled-updates/<int:update_id>/cancel/",
                view(self.cancel_view),
                name=self.url_name("post_cancel_scheduled_update"),
            ),
        ]

    def _post(self, request: HttpRequest, object_id: int) -> Post:
        post = self.model_admin.get_object(request, str(object_id))
        if post is None:
            raise Http404("No such post.")
        if not permissions.can_change(request.user, post):
            raise PermissionDenied
        return post

    def _back(self, post: Post, anchor: str = "scheduled-updates") -> HttpResponseRedirect:
        url = self.admin_url("change", args=[post.pk])  # this admin's own (pages: pages)
        return HttpResponseRedirect(f"{url}#{anchor}")

    def schedule_view(self, request: HttpRequest, object_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        post = self._post(request, object_id)
        with zones.in_editor_zone(request):
            try:
                with transaction.atomic():  # the form's version check locks the row
                    update = self._schedule(request, post)
            except ScheduleRefused as refused:
                # The text stays: the form offers it back (editorial's autosave).
                PostEditorExtension(self.model_admin).keep_unsaved(request, post)
                self.model_admin.message_user(
                    request,
                    f"{refused} Your changes were not saved and not scheduled; the form "
                    "offers them back.",
                    messages.ERROR,
                )
                return self._back(post, anchor="content")
            names = fields_named(update.fields)
            self.model_admin.message_user(
                request,
                f"Changes scheduled for {format_moment(update.apply_at)} ({names}). "
                "Readers see the live version until then.",
                messages.SUCCESS,
            )
        return self._back(post)

    def _schedule(self, request: HttpRequest, post: Post) -> ScheduledUpdate:
        if not can_schedule(request.user, post):
            raise ScheduleRefused("You may not change this post.")
        try:
            apply_at = APPLY_AT_FIELD.clean(request.POST.get(APPLY_AT, ""))
        except forms.ValidationError:
            raise ScheduleRefused("Pick the date and time the changes go live.") from None
        form_class = self.model_admin.get_form(request, post, change=True)
        form = form_class(data=request.POST, files=request.FILES, instance=post)
        if not form.is_valid():
            errors = "; ".join(
                f"{field_label(name) if name != '__all__' else ''}: {error}".lstrip(": ")
                for name, errors in form.errors.items()
                for error in errors
            )
            raise ScheduleRefused(f"The form has errors ({errors}).")
        stored = Post.all_kinds.get(pk=post.pk)  # the form changed `post` in memory
        update = scheduled_update_create(
            post=stored, user=request.user, data=form.post_data(), apply_at=apply_at
        )
        # Scheduled, so not unsaved any more: no offer to restore it.
        Autosave.objects.filter(post=post, user=request.user).delete()
        return update

    def cancel_view(self, request: HttpRequest, object_id: int, update_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        post = self._post(request, object_id)
        update = get_object_or_404(ScheduledUpdate, pk=update_id, post=post)
        if scheduled_update_cancel(update=update, user=request.user):
            text, level = "Scheduled update cancelled: it will not be applied.", messages.SUCCESS
        else:
            text, level = "That update was already applied or cancelled.", messages.INFO
        self.model_admin.message_user(request, text, level)
        return self._back(post)

    def change_form_context(self, request, obj, add) -> dict:
        if obj is None or not obj.pk:
            return {}
        pending = list(
            ScheduledUpdate.objects.pending().filter(post=obj).select_related("created_by")
        )
        schedulable = obj.is_public and can_schedule(request.user, obj)
        if not (pending or schedulable):
            return {}
        return {
            "scheduled_updates": [
                {
                    "update": update,
                    "when": format_moment(update.apply_at),
                    "by": update.created_by.public_name if update.created_by else "—",
                    "fields": fields_named(update.fields),
                    "cancel_url": self.reverse(
                        "post_cancel_scheduled_update", args=[obj.pk, update.pk]
                    ),
                    "cancellable": permissions.can_change(request.user, obj),
                }
                for update in pending
            ],
            "schedule_update_url": (
                self.reverse("post_schedule_update", args=[obj.pk]) if schedulable else ""
            ),
            "schedule_update_field": APPLY_AT,
            "schedule_update_min": timezone.localtime().strftime(DATETIME_LOCAL),
        }
