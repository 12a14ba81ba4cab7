"""Posts, categories and tags in the admin, under the role rules of `blog.permissions`.

Every object-level decision (see, change, delete, publish) is made on the server by that
module; hiding a button is never the only guard.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from config.admin_guards import GuardedAdminMixin

from .. import permissions
from ..models import Category, Post, Tag


class StateFilter(admin.SimpleListFilter):
    """Draft / scheduled / published, as readers experience them."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Post.State.choices

    def queryset(self, request, queryset):
        match self.value():
            case Post.State.DRAFT:
                return queryset.drafts()
            case Post.State.SCHEDULED:
                return queryset.scheduled()
            case Post.State.PUBLISHED:
                return queryset.public()
        return queryset


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "author",
            "body",
            "excerpt",
            "category",
            "tags",
            "status",
            "published_at",
        ]

    def clean_slug(self) -> str:
        """A slug another post holds is skipped (a free one is made), with one message
        whoever's post it is, visible or hidden: the form never says whose or which."""
        slug = self.cleaned_data.get("slug", "")
        if slug and Post.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            self.slug_unavailable = slug
            return self.instance.slug if self.instance.pk else ""
        return slug

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", Post.Status.DRAFT)
        if not permissions.can_set_status(self.request.user, self.instance, status):
            raise forms.ValidationError("You may save drafts only; an editor publishes them.")
        return cleaned  # Post.save() dates a post published without a date: now


@admin.register(Post)
class PostAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "state_badge", "author", "category", "published_at"]
    list_filter = [StateFilter, "status", "category", "tags", "author"]
    list_select_related = ["author", "category"]
    search_fields = ["title", "excerpt", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["category", "tags"]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "body", "excerpt"]}),
        ("Filing", {"fields": ["category", "tags"]}),
        ("Publication", {"fields": ["status", "published_at"]}),
    ]

    @admin.display(description="state", ordering="status")
    def state_badge(self, post: Post) -> str:
        if post.state == Post.State.SCHEDULED:
            return format_html(
                "Scheduled <small>for {}</small>",
                timezone.localtime(post.published_at).strftime("%Y-%m-%d %H:%M"),
            )
        return Post.State(post.state).label

    # --- who sees what ------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return permissions.own_or_all_posts(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or permissions.can_view(request.user, obj))

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change(request.user, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not permissions.can_publish(request.user):
            readonly += ["status", "published_at"]
        return readonly

    def get_exclude(self, request, obj=None):
        # Only editors file posts under someone else's name.
        return [] if permissions.is_editor(request.user) else ["author"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if permissions.is_editor(request.user):
            return fieldsets
        return [
            (name, {**opts, "fields": [f for f in opts["fields"] if f != "author"]})
            for name, opts in fieldsets
        ]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return filters if permissions.is_editor(request.user) else filters[:-1]

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request = request
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not permissions.can_publish(request.user):
            actions.pop("publish_selected", None)
            actions.pop("unpublish_selected", None)
        return actions

    def save_model(self, request, obj: Post, form, change: bool) -> None:
        if not permissions.is_editor(request.user):
            # The author is always the writer themselves, whatever was posted.
            obj.author = obj.author if change else request.user
        elif not obj.author_id:
            obj.author = request.user
        super().save_model(request, obj, form, change)
        if unavailable := getattr(form, "slug_unavailable", None):
            self.message_user(
                request,
                f"The address “{unavailable}” is not available; this post has “{obj.slug}”.",
                messages.WARNING,
            )

    # --- bulk actions -------------------------------------------------------------------

    @admin.action(description="Publish selected posts (now, or as scheduled)")
    def publish_selected(self, request, queryset):
        done = self._set_status(request, queryset, Post.Status.PUBLISHED)
        self.message_user(request, f"{done} post(s) published.", messages.SUCCESS)

    @admin.action(description="Unpublish selected posts (back to draft)")
    def unpublish_selected(self, request, queryset):
        done = self._set_status(request, queryset, Post.Status.DRAFT)
        self.message_user(request, f"{done} post(s) moved back to draft.", messages.SUCCESS)

    def _set_status(self, request, queryset, status: str) -> int:
        """Save each post the user may change and publish (signals and derived columns run)."""
        if not permissions.can_publish(request.user):
            return 0
        done = 0
        for post in queryset:
            if permissions.can_change(request.user, post):
                post.status = status  # Post.save() dates it now if it has no date yet
                post.save()
                done += 1
        return done


@admin.register(Category)
class CategoryAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # Only the posts this user may see: a count must not reveal others' drafts.
        visible = permissions.visible_posts(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(post_count=Count("posts", filter=Q(posts__in=visible), distinct=True))
        )

    @admin.display(description="posts", ordering="post_count")
    def post_count(self, category) -> int:
        return category.post_count


@admin.register(Tag)
class TagAdmin(CategoryAdmin):
    pass
