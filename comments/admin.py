"""The comments admin: the moderation queue, its log, the site's comment settings, the
blocklist, bans, and each writer's comment mail.

`/admin/comments/comment/` is the queue: waiting comments first, oldest first (the
default filter "Waiting", with a count per status). Bulk actions approve, mark as spam,
remove or put back in the queue through `comments.moderation` (logged, signals sent;
a comment its member deleted is never brought back: skipped, with a message);
"Ban the member" asks for a reason. A member's history is the queue filtered by member
(every status) with their log of moderation actions. Editors moderate every comment,
Authors those on their own posts (`comments.permissions`); Contributors see none.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode

from core.admin_guards import GuardedAdminMixin
from members.models import Member

from . import moderation, permissions
from .models import (
    AuthorPreference,
    BlockedTerm,
    Comment,
    CommentBan,
    CommentPolicy,
    ModerationAction,
)
from .spam import normalise_domain

Status = Comment.Status
BAN_PERMISSION = "comments.add_commentban"
EXCERPT_LENGTH = 140
SHORT_STATUS = {Status.PENDING: "Waiting"}  # the queue's word for "Waiting for approval"


def _excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


class StatusFilter(admin.SimpleListFilter):
    """Waiting (the default) / Approved / Spam / Removed / All, each with its count."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        counts = dict(
            model_admin.get_queryset(request)
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )
        choices = [
            (value, f"{SHORT_STATUS.get(value, label)} ({counts.get(value, 0)})")
            for value, label in Status.choices
        ]
        return [*choices, (self.ALL, f"All ({sum(counts.values())})")]

    def value(self):
        return super().value() or Status.PENDING

    def choices(self, changelist):
        # No "All" of Django's own (no parameter = the default, Waiting): ours says "all".
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.ALL:
            return queryset
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset.none()


class ModerationActionInline(admin.TabularInline):
    """A comment's log, read-only."""

    model = ModerationAction
    fk_name = "comment"
    fields = ("created_at", "action", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Moderation log"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return True  # whoever sees the comment sees its log


class BanForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        label="Reason (for moderators; the member is not told)",
    )


def _skipped_message(count: int) -> str:
    if count == 1:
        return "1 comment deleted by its member was skipped: it cannot be shown again."
    return f"{count} comments deleted by their members were skipped: they cannot be shown again."


def _moderation_action(function, description: str, done: str, *, revives: bool = True):
    """A bulk action. `revives`: it would bring a removed comment back (approve, spam,
    back to the queue), which `comments.moderation` refuses for a comment its member
    deleted: those are skipped, and the moderator is told."""

    def action(modeladmin, request, queryset):
        skipped = queryset.filter(moderation.DELETED_BY_MEMBER).count() if revives else 0
        changed = function(queryset, request.user)
        modeladmin.message_user(
            request, f"{changed} comment{'s' * (changed != 1)} {done}.", messages.SUCCESS
        )
        if skipped:
            modeladmin.message_user(request, _skipped_message(skipped), messages.WARNING)

    action.__name__ = f"{function.__name__}_selected"
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Comment)
class CommentAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ("written", "post_link", "member_link", "excerpt", "status_badge")
    list_display_links = ("written",)
    list_filter = (StatusFilter,)
    show_facets = admin.ShowFacets.NEVER  # the status filter counts always
    list_select_related = ("post", "member")
    search_fields = ("body", "author_name", "author_email", "member__email", "member__name")
    list_per_page = 50
    actions = [
        _moderation_action(moderation.bulk_approve, "Approve selected comments", "approved"),
        _moderation_action(
            moderation.bulk_mark_spam, "Mark selected comments as spam", "marked as spam"
        ),
        _moderation_action(
            moderation.bulk_remove, "Remove selected comments", "removed", revives=False
        ),
        _moderation_action(
            moderation.bulk_restore,
            "Put selected comments back in the queue",
            "put back in the queue",
        ),
        "ban_members",
    ]
    fields = (
        "post_link",
        "member_link",
        "author_name",
        "author_email",
        "body",
        "status",
        "parent",
        "created_at",
        "edited_at",
        "approved_at",
        "client_ip",
        "source_id",
    )
    readonly_fields = fields
    inlines = [ModerationActionInline]
    change_form_template = "admin/comments/comment/change_form.html"

    class Media:
        css = {"all": ["comments/admin.css"]}

    # --- what a moderator sees -------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        # Not super(): its ordering names the annotation made here.
        queryset = permissions.moderated_comments(request.user, Comment.objects.all())
        waiting_first = Case(
            When(status=Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        banned = Exists(CommentBan.objects.filter(member_id=OuterRef("member_id")))
        queryset = queryset.annotate(queue_rank=waiting_first, member_banned=banned)
        # The post's title names the comment (__str__): joined for the change view too
        # (the change list applies list_select_related only to a query with none).
        queryset = queryset.select_related(*self.list_select_related)
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest):
        return ("queue_rank", "created_at", "pk")  # waiting first, oldest first

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if lookup in ("member__id__exact", "post__id__exact"):
            return True  # a member's history, a post's comments (links in the list)
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="post", ordering="post__title")
    def post_link(self, comment: Comment) -> str:
        query = urlencode({"post__id__exact": comment.post_id, "status": StatusFilter.ALL})
        return format_html(
            '<a href="?{}" title="Every comment on this post">{}</a>', query, comment.post.title
        )

    @admin.display(description="member", ordering="author_name")
    def member_link(self, comment: Comment) -> str:
        name = comment.author_name or (comment.member.name if comment.member else "") or "—"
        if comment.member_id is None:
            return format_html("{}<br><small>{}</small>", name, comment.author_email or "imported")
        history = (
            reverse("admin:comments_comment_changelist")
            + "?"
            + urlencode({"member__id__exact": comment.member_id, "status": StatusFilter.ALL})
        )
        banned = " (banned)" if getattr(comment, "member_banned", False) else ""
        return format_html(
            '{}{}<br><small>{}</small> · <a href="{}">history</a>',
            name,
            banned,
            comment.member.email,
            history,
        )

    @admin.display(description="written", ordering="created_at")
    def written(self, comment: Comment) -> str:
        return date_format(timezone.localtime(comment.created_at), "j M Y, H:i")

    @admin.display(description="comment")
    def excerpt(self, comment: Comment) -> str:
        return _excerpt(comment.body)

    @admin.display(description="status", ordering="status")
    def status_badge(self, comment: Comment) -> str:
        return format_html(
            '<span class="comment-status comment-status-{}">{}</span>',
            comment.status,
            SHORT_STATUS.get(comment.status, comment.get_status_display()),
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = dict(extra_context or {})
        member_id = request.GET.get("member__id__exact", "")
        if member_id.isdigit():
            # Only a member with a comment this moderator may see (authors see no one else).
            theirs = self.get_queryset(request).filter(member_id=int(member_id))
            member = Member.objects.filter(pk=int(member_id)).first() if theirs.exists() else None
            if member is not None:
                extra_context.update(self._history_context(request, member))
        extra_context.setdefault("title", "Moderation queue")
        return super().changelist_view(request, extra_context)

    def _history_context(self, request: HttpRequest, member: Member) -> dict:
        log = (
            reverse("admin:comments_moderationaction_changelist")
            + "?"
            + urlencode({"member__id__exact": member.pk})
        )
        ban = CommentBan.objects.filter(member=member).first()
        return {
            "title": f"Comments by {member.name or member.email}",
            "member_history": {"member": member, "log_url": log, "ban": ban},
        }

    # --- who may do what -----------------------------------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # members write comments; moderators judge them

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # "Remove" keeps the comment and its log; deleting would lose both

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if not permissions.may_moderate_some(request.user):
            return False
        return obj is None or permissions.can_moderate(request.user, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_ban_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(BAN_PERMISSION)

    # --- the change page: moderate one comment ---------------------------------------

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_moderate" in request.POST:
            return self._moderate_one(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def _moderate_one(self, request: HttpRequest, object_id):
        comment = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        verbs = {
            "approve": (moderation.approve, "approved"),
            "spam": (moderation.mark_spam, "marked as spam"),
            "remove": (moderation.remove, "removed"),
            "restore": (moderation.restore, "put back in the queue"),
        }
        choice = verbs.get(request.POST["_moderate"])
        if choice is not None:
            function, done = choice
            try:
                changed = function(comment, request.user)
            except moderation.DeletedByMember as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                if changed:
                    self.message_user(request, f"The comment was {done}.", messages.SUCCESS)
                else:
                    self.message_user(request, "Nothing changed.", messages.INFO)
        return HttpResponseRedirect(request.get_full_path())

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        buttons = [
            ("approve", "Approve", Status.APPROVED),
            ("spam", "Spam", Status.SPAM),
            ("remove", "Remove", Status.REMOVED),
            ("restore", "Back to the queue", Status.PENDING),
        ]
        context["moderation_buttons"] = [
            (value, label, obj is not None and obj.status == state)
            for value, label, state in buttons
        ]
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    # --- ban -------------------------------------------------------------------------

    @admin.action(description="Ban the members who wrote selected comments", permissions=["ban"])
    def ban_members(self, request: HttpRequest, queryset):
        members = Member.objects.filter(pk__in=queryset.values("member_id")).order_by("email")
        form = BanForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            banned = moderation.bulk_ban(members, request.user, form.cleaned_data["reason"])
            self.message_user(
                request,
                f"{banned} member{'s' * (banned != 1)} banned from commenting.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/comments/comment/ban_members.html",
            {
                **self.admin_site.each_context(request),
                "title": "Ban from commenting",
                "opts": self.opts,
                "members": members,
                "comments": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "select_across": request.POST.get("select_across", "0"),
            },
        )


@admin.register(ModerationAction)
class ModerationActionAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The log: read-only, newest first, for whoever moderates (their comments' entries)."""

    list_display = ("created_at", "action", "comment_link", "member", "actor", "note")
    list_filter = ("action",)
    list_select_related = ("comment", "member", "actor")
    search_fields = ("member__email", "member__name", "note", "actor__username")
    fields = ("created_at", "action", "comment", "member", "actor", "note")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if permissions.post_permissions.is_editor(request.user):
            return queryset
        return queryset.filter(comment__in=permissions.moderated_comments(request.user))

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup == "member__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="comment")
    def comment_link(self, action: ModerationAction) -> str:
        if action.comment_id is None:
            return "—"
        url = reverse("admin:comments_comment_change", args=[action.comment_id])
        return format_html('<a href="{}">{}</a>', url, _excerpt(action.comment.body, 60))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(CommentPolicy)
class CommentPolicyAdmin(admin.ModelAdmin):
    """The site's comment settings: one row, opened straight from the list."""

    fieldsets = [
        (None, {"fields": ("enabled", "close_after_days", "first_comment_needs_approval")}),
        ("Spam and abuse", {"fields": ("max_links", "min_seconds_to_post")}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row is made on first use

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row, _ = CommentPolicy.objects.get_or_create(pk=1)
        return HttpResponseRedirect(reverse("admin:comments_commentpolicy_change", args=[row.pk]))

    def response_change(self, request: HttpRequest, obj: CommentPolicy):
        """One row, no list: back to the form with a sentence of our own (the admin's
        would read "The comment settings “Comment settings” was changed successfully.")."""
        self.message_user(request, "The comment settings are saved.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:comments_commentpolicy_change", args=[obj.pk]))


class BlockedTermForm(forms.ModelForm):
    """Words are kept lower case with single spaces, domains as a bare host name."""

    class Meta:
        model = BlockedTerm
        fields = ("term", "kind")
        help_texts = {
            "term": "A word or phrase (whole words, any case), or a domain: it blocks "
            "its subdomains too (“spam.example” blocks “www.spam.example”).",
        }

    def clean(self):
        data = super().clean()
        term, kind = data.get("term"), data.get("kind")
        if term:
            if kind == BlockedTerm.Kind.DOMAIN:
                term = normalise_domain(term)
                if "." not in term:
                    self.add_error("term", "Enter a domain such as spam.example.")
            else:
                term = " ".join(term.split()).lower()
            data["term"] = term
            self.instance.term = term
        return data


@admin.register(BlockedTerm)
class BlockedTermAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The blocklist: a comment containing one of these goes to spam."""

    form = BlockedTermForm
    list_display = ("id", "term", "kind")
    list_display_links = ("id",)
    list_editable = ("term", "kind")
    list_filter = ("kind",)
    search_fields = ("term",)
    ordering = ("kind", "term")

    def get_changelist_form(self, request: HttpRequest, **kwargs):
        return super().get_changelist_form(request, form=BlockedTermForm, **kwargs)


class CommentBanForm(forms.ModelForm):
    class Meta:
        model = CommentBan
        fields = ("member", "reason")


@admin.register(CommentBan)
class CommentBanAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Banned members. Adding and deleting go through `comments.moderation` (logged)."""

    form = CommentBanForm
    list_display = ("member", "reason", "banned_by", "created_at", "history_link")
    list_select_related = ("member", "banned_by")
    search_fields = ("member__email", "member__name", "reason")
    raw_id_fields = ("member",)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ("member",) if obj is not None else ()

    @admin.display(description="history")
    def history_link(self, ban: CommentBan) -> str:
        url = (
            reverse("admin:comments_comment_changelist")
            + "?"
            + urlencode({"member__id__exact": ban.member_id, "status": StatusFilter.ALL})
        )
        return format_html('<a href="{}">comments</a>', url)

    def save_model(self, request, obj: CommentBan, form, change: bool) -> None:
        if change:
            obj.save(update_fields=["reason"])
            return
        ban = moderation.ban_member(obj.member, request.user, obj.reason)
        obj.pk, obj.created_at, obj.banned_by = ban.pk, ban.created_at, ban.banned_by

    def delete_model(self, request, obj: CommentBan) -> None:
        moderation.unban_member(obj.member, request.user)

    def delete_queryset(self, request, queryset) -> None:
        for ban in queryset.select_related("member"):
            moderation.unban_member(ban.member, request.user)


@admin.register(AuthorPreference)
class AuthorPreferenceAdmin(admin.ModelAdmin):
    """Each writer's own comment mail: the list opens their row (made on first visit)."""

    def get_fields(self, request: HttpRequest, obj=None):
        if permissions.post_permissions.is_editor(request.user):
            return ("notify_on_comment", "pending_digest")
        return ("notify_on_comment",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.user_id == request.user.pk)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or obj.user_id == request.user.pk)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        row, _ = AuthorPreference.objects.get_or_create(user=request.user)
        return HttpResponseRedirect(
            reverse("admin:comments_authorpreference_change", args=[row.pk])
        )

    def response_change(self, request, obj):
        self.message_user(request, "Your comment notifications were saved.", messages.SUCCESS)
        return HttpResponseRedirect(request.path)
