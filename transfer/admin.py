"""Exports in the admin, for editors only: "Add export" queues one, the list offers the
download once the worker has built it."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html

from blog.permissions import is_editor

from .models import ExportJob
from .services import export_job_request


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "requested_by", "status", "posts", "size", "download"]
    readonly_fields = ["status", "requested_by", "posts", "size", "error", "finished_at"]

    # Editors, and only editors, see and request exports (the rule in blog.permissions).
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_editor(request.user)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("content").select_related("requested_by")

    @admin.display(description="Download")
    def download(self, job: ExportJob) -> str:
        if job.status != ExportJob.Status.DONE:
            return "—"
        url = reverse("admin:transfer_exportjob_download", args=[job.pk])
        return format_html('<a href="{}">{}</a>', url, job.filename)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """No form to fill: a POST queues the export (GET shows the confirm button)."""
        if request.method == "POST" and self.has_add_permission(request):
            export_job_request(user=request.user)
            self.message_user(request, "Export queued: it appears here when the worker is done.")
            return redirect("admin:transfer_exportjob_changelist")
        return super().add_view(request, form_url, extra_context)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="transfer_exportjob_download",
            )
        ]
        return urls + super().get_urls()

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not is_editor(request.user):
            raise Http404
        job = get_object_or_404(ExportJob, pk=pk, status=ExportJob.Status.DONE)
        response = HttpResponse(bytes(job.content), content_type="application/gzip")
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
