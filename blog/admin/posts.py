"""Posts, categories and tags in the admin, under the role rules of `blog.permissions`.

Every object-level decision (see, change, delete, publish) is made on the server by that
module; hiding a button is never the only guard. Other apps add to the post editor
through the extension points of `blog.admin.hooks` (editorial: autosave, preview,
revisions, review notices).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect

from core.admin_guards import GuardedAdminMixin

from .. import permissions, services
from ..models import Category, Post, PostAuthor, Tag, byline_prefetch
from ..redirects import Redirect
from ..seo import SEO_FIELDS
from . import hooks, states, zones
from .forms import PostAdminForm, SlugOwnerForm, seo_preview_context

SEO_FIELDSET = "Search engines and social cards"


class ReviewFilter(admin.SimpleListFilter):
    """The editors' queue: posts writers submitted, oldest first to be fair."""

    title = "review queue"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", "Waiting for review")]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.in_review().order_by("updated_at")
        return queryset


class StateFilter(admin.SimpleListFilter):
    """Draft / In review / Scheduled / Published / Expired, the words used on every screen."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return Post.State.choices

    def queryset(self, request, queryset):
        match self.value():
            case Post.State.DRAFT:
                return queryset.drafts()
            case Post.State.IN_REVIEW:
                return queryset.in_review()
            case Post.State.SCHEDULED:
                return queryset.scheduled()
            case Post.State.PUBLISHED:
                return queryset.public()
            case Post.State.EXPIRED:
                return queryset.expired()
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    """By author, under the names writers go by (not their usernames)."""

    title = "author"
    parameter_name = "author__id__exact"

    def lookups(self, request, model_admin):
        rows = model_admin.model._default_manager  # posts' writers, or pages'
        bylines = PostAuthor.objects.filter(post__in=rows.values("pk")).values("user_id")
        writers = get_user_model().objects.filter(pk__in=bylines)
        ordered = sorted(writers, key=lambda user: user.public_name.casefold())
        return [(str(user.pk), user.public_name) for user in ordered]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        bylines = PostAuthor.objects.filter(user_id=int(value)).values("post_id")
        return queryset.filter(pk__in=bylines)


ACTION_MESSAGES = {
    states.SAVE_DRAFT.name: "Draft saved.",
    states.SAVE_CHANGES.name: "Changes saved. Still in review: it stays in the editors' queue.",
    states.WITHDRAW.name: (
        "Withdrawn from review: back to draft, out of the editors' queue. "
        "Submit it again when it is ready."
    ),
    states.SUBMIT.name: "Submitted for review: the editors have been told.",
    states.PUBLISH.name: "Published: readers can see it now.",
    states.UPDATE.name: "Changes saved.",
    states.UNPUBLISH.name: "Unpublished: back to draft, hidden from readers.",
    states.RETURN.name: "Returned to the writer as a draft.",
}


@admin.register(Post)
class PostAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = PostAdminForm
    list_display = ["title", "state_column", "when", "author_name", "category"]
    list_filter = [ReviewFilter, StateFilter, "audience", "category", "tags", AuthorFilter]
    list_select_related = ["author", "category"]
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    # images: the library's picker
    autocomplete_fields = ["category", "tags", "cover_image", "social_image"]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "body", "version"]}),
        (
            "Summary and filing",
            {"fields": ["excerpt", "cover_image", "category", "tags", "new_tags"]},
        ),
        ("Publication", {"fields": ["published_at", "expires_at", "slug", "author", "coauthors"]}),
        ("Audience and newsletter", {"fields": ["audience", "newsletter"]}),
        (
            SEO_FIELDSET,
            {
                "classes": ["collapse", "seo-fields"],
                "description": "Blank fields take what the post shows anyway: its title, "
                "excerpt, address and cover image. The preview below follows as you type.",
                "fields": list(SEO_FIELDS),
            },
        ),
    ]

    @property
    def extensions(self) -> list[hooks.PostAdminExtension]:
        """The registered extensions (blog.admin.hooks), asked at request time."""
        return hooks.extensions_for(self)

    def get_urls(self):
        extra = [pattern for extension in self.extensions for pattern in extension.get_urls()]
        return extra + super().get_urls()

    @admin.display(description="state", ordering="status")
    def state_column(self, post: Post) -> str:
        return states.state_badge(post)

    @admin.display(description="authors", ordering="author__display_name")
    def author_name(self, post: Post) -> str:
        return ", ".join(user.public_name for user in post.authors_in_order)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "author" and field is not None:
            field.label_from_instance = lambda user: (
                user.username if user.public_name == user.username
                else f"{user.public_name} ({user.username})"
            )  # fmt: skip
        return field

    @admin.display(description="when", ordering="published_at")
    def when(self, post: Post) -> str:
        return states.state_when(post)

    # --- the editor's time zone ---------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        view = zones.rendered_in_editor_zone(super().changeform_view)
        return view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Posts", **(extra_context or {})}  # not "Select post to change"
        return zones.rendered_in_editor_zone(super().changelist_view)(request, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            post_state=states.state_badge(obj) if obj is not None else None,
            post_when=states.state_when(obj) if obj is not None else "",
            editor_actions=states.available_actions(request.user, obj),
            editor_zone=str(zones.editor_zone(request)),
            zone_field=zones.FIELD,
            seo_preview=seo_preview_context(obj, kind=self.model._default_manager.kind),
        )
        form = context["adminform"].form
        if form.conflict is not None and _only_error_is_the_conflict(form):
            # Not "Please correct the error below.": the writer made none. The banner
            # (change_form.html) says who saved, when, and what differs.
            context.update(errors=[], conflict=form.conflict)
        extensions = self.extensions
        for extension in extensions:
            context.update(extension.change_form_context(request, obj, add))
        context["extension_templates"] = {
            place: [t for e in extensions if (t := getattr(e, f"{place}_template"))]
            for place in ("form_top", "after_form")
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        for extension in self.extensions:
            response = extension.history_view(request, object_id, extra_context)
            if response is not None:
                return response
        return super().history_view(request, object_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        post = super().get_object(request, object_id, from_field)
        if post is not None:
            for extension in self.extensions:
                extension.object_loaded(request, post)
        return post

    # --- who sees what ------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        # The bylines in one query for the whole list page (the "authors" column).
        queryset = super().get_queryset(request).prefetch_related(byline_prefetch())
        return permissions.own_or_all_posts(request.user, queryset)

    def has_view_permission(self, request, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or permissions.can_view(request.user, obj))

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_change(request.user, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete(request.user, obj))

    def get_fieldsets(self, request, obj=None):
        hidden = set()
        if not permissions.can_set_authors(request.user):
            hidden |= {"author", "coauthors"}  # only editors file posts under others' names
        if not permissions.can_publish(request.user):
            hidden |= {"published_at", "expires_at"}
        if not permissions.can_name_new_tags(request.user):
            hidden.add("new_tags")
        fieldsets = [
            (name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]})
            for name, opts in super().get_fieldsets(request, obj)
        ]
        if states.RETURN in states.available_actions(request.user, obj):
            fieldsets.insert(1, ("Review", {"fields": ["note"]}))
        return fieldsets

    def get_ordering(self, request):
        if request.GET.get(ReviewFilter.parameter_name) == "waiting":
            return ["updated_at", "pk"]  # the queue: oldest submission first (a column click wins)
        return super().get_ordering(request)

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if not permissions.can_review(request.user):
            filters.remove(ReviewFilter)
        return filters if permissions.is_editor(request.user) else filters[:-1]

    def get_changeform_initial_data(self, request):
        initial = {"author": request.user.pk, **super().get_changeform_initial_data(request)}
        for extension in self.extensions:
            initial.update(extension.initial_data(request))
        return initial

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
        """Write through `blog.services` (its events, derived fields and lock); the form's
        `clean` has checked the version under the row lock this transaction holds."""
        if not permissions.is_editor(request.user):
            # The author is always the writer themselves, whatever was posted.
            obj.author = obj.author if change else request.user
        elif not obj.author_id:
            obj.author = request.user
        data = {**form.post_data(), "author": obj.author}
        if "coauthors" in form.cleaned_data:  # an editor's form: the whole byline, in order
            lead = obj.author
            data["authors"] = [lead, *(u for u in form.cleaned_data["coauthors"] if u != lead)]
        if change:
            version = form.data.get("version", "")
            services.post_update(post=obj, data=data, user=request.user, expected_version=version)
        else:
            services.post_create(post=obj, data=data, user=request.user)
        if unavailable := getattr(form, "slug_unavailable", None):
            self.message_user(
                request,
                f"The address “{unavailable}” is not available; this post has “{obj.slug}”.",
                messages.WARNING,
            )
        for extension in self.extensions:
            extension.post_saved(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        # The tags were written with the post (`blog.services`): only inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj: Post) -> None:
        services.post_delete(post=obj, user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for post in queryset:
            services.post_delete(post=post, user=request.user)

    # --- after a button: stay on the post, say what happened ----------------------------

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_action(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._after_action(request, obj) or super().response_change(request, obj)

    def _after_action(self, request, obj: Post):
        action = request.POST.get("_action")
        if action not in states.ACTIONS:
            return None
        if action == states.SCHEDULE.name:
            text = f"Scheduled for {states.format_moment(obj.published_at)}."
        else:
            text = ACTION_MESSAGES[action]
        self.message_user(request, f"“{obj}”: {text}", messages.SUCCESS)
        if permissions.can_change(request.user, obj):
            return HttpResponseRedirect(hooks.admin_url(self.opts, "change", [obj.pk]))
        # A Contributor's submitted post is theirs again only if it comes back.
        return HttpResponseRedirect(hooks.admin_url(self.opts, "changelist"))

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
        """Publish or unpublish each post the user may change (through `blog.services`)."""
        if not permissions.can_publish(request.user):
            return 0
        done = 0
        for post in queryset:
            if permissions.can_change(request.user, post):
                if status == Post.Status.PUBLISHED:
                    services.post_publish(post=post, user=request.user)  # now, or as scheduled
                else:
                    services.post_unpublish(post=post, user=request.user)
                done += 1
        return done


def _only_error_is_the_conflict(form: PostAdminForm) -> bool:
    errors = form.errors.as_data()
    return list(errors) == [NON_FIELD_ERRORS] and [e.code for e in errors[NON_FIELD_ERRORS]] == [
        "stale"
    ]


class UniqueNameRaceMixin:
    """Two editors adding the same name at the same moment: both forms pass the unique
    check, and the slower insert meets the unique index (IntegrityError, a 500). The
    admin runs each add or change in one transaction, rolled back by then; the view runs
    once more, and its form now sees the committed winner: an ordinary field error
    ("... already exists") with the editor's input kept.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(Category)
class CategoryAdmin(UniqueNameRaceMixin, GuardedAdminMixin, admin.ModelAdmin):
    form = SlugOwnerForm
    list_display = ["name", "slug", "post_count"]
    search_fields = ["name"]
    ordering = ["name"]  # the autocomplete pages through them: a stable order
    prepopulated_fields = {"slug": ["name"]}

    def has_module_permission(self, request: HttpRequest) -> bool:
        # Writers pick categories and tags on a post (view permission, the autocomplete)
        # but cannot change them: the menu leaves out what would be a dead end for them.
        return permissions.can_manage_filing(request.user, self.opts.model_name)

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


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """Moved addresses (renamed slugs, imported permalinks): superusers may tidy them."""

    list_display = ["old_path", "new_path", "post", "created_at"]
    search_fields = ["old_path", "new_path"]
    list_select_related = ["post"]
    raw_id_fields = ["post"]  # a select of every post would not load at 100,000 posts
