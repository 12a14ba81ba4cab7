"""Embeds in the admin: what was fetched for each URL, its error, and "Fetch again"."""

from __future__ import annotations

from django.contrib import admin, messages

from core.admin_guards import GuardedAdminMixin
from core.tasks import enqueue_on_commit

from .models import Embed
from .services import embed_refetch


@admin.register(Embed)
class EmbedAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["url", "provider", "title", "fetched_at", "error"]
    list_filter = ["provider"]
    search_fields = ["url", "title"]
    readonly_fields = [f.name for f in Embed._meta.fields]
    actions = ["fetch_again"]

    def has_add_permission(self, request) -> bool:
        return False  # made by saving a post with a lone URL

    @admin.action(
        description="Fetch again (the worker asks the provider once more)",
        permissions=["change"],
    )
    def fetch_again(self, request, queryset) -> None:
        from .tasks import fetch_embeds

        ids = embed_refetch(embeds=queryset)
        enqueue_on_commit(fetch_embeds, ids)
        self.message_user(request, f"{len(ids)} embed(s) will be fetched again.", messages.SUCCESS)
