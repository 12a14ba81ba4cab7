"""Members in the admin, for editors (the Editor role holds members.* permissions).

- the list: search by address or name; filters by status, newsletter, mail disabled
  (a bounce or complaint) and source; a date hierarchy on sign-up; Django's count of
  what is listed, and a line counting active, pending and mail-disabled members of it;
- one member: name, note and status editable (the address is who they are: not
  editable once made), their newsletters inline. Written through the services, as from
  every door: adding is `create_member` (an active one is confirmed: `member_confirmed`,
  the default newsletters), pending → active is `activate`, and the newsletters inline,
  when changed, is `set_subscriptions` (archived newsletters are never added, and a
  subscription to one is kept); the address is checked by `newsletters.addresses`;
- "Import members" (a CSV of Ghost, Substack, Mailchimp or our own, dry run first:
  `members.importing`) and "Export" of the filtered list (`members.exporting`);
- deleting goes through `members.services.delete_member` (`member_deleted` first).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.admin_guards import GuardedAdminMixin
from newsletters.models import Newsletter, Subscription
from newsletters.subscriptions import set_subscriptions

from .exporting import csv_response
from .forms import EmailField
from .importing import ImportRefused, import_members
from .models import Member
from .services import activate, create_member, delete_member

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # ~500,000 rows of Ghost's export


class NewsletterFilter(admin.SimpleListFilter):
    title = "newsletter"
    parameter_name = "newsletter"

    def lookups(self, request, model_admin):
        return [(str(n.pk), n.name) for n in Newsletter.objects.only("name")] + [
            ("none", "On no newsletter")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.exclude(pk__in=Subscription.objects.values("member_id"))
        if value and value.isdigit():
            subscribed = Subscription.objects.filter(newsletter_id=value).values("member_id")
            return queryset.filter(pk__in=subscribed)
        return queryset


class MailDisabledFilter(admin.SimpleListFilter):
    title = "mail"
    parameter_name = "mail"

    def lookups(self, request, model_admin):
        return [("disabled", "Disabled (bounced or complained)"), ("ok", "Takes mail")]

    def queryset(self, request, queryset):
        if self.value() == "disabled":
            return queryset.filter(email_disabled_at__isnull=False)
        if self.value() == "ok":
            return queryset.filter(email_disabled_at__isnull=True)
        return queryset


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    fields = ("newsletter", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    verbose_name = "newsletter"
    verbose_name_plural = "Newsletters"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="A member export of Ghost, Substack or Mailchimp, or of this site.",
    )
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: the newsletters new members get by default (or, for this "
        "site's own export, each row's).",
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, help_text="Show what would happen; save nothing."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB: split it in parts.")
        return upload


class MemberAdminForm(forms.ModelForm):
    """The member form; adding checks the address against every member's, whatever its
    case (the database's `member_email_unique_ci` would otherwise answer in its own
    words)."""

    ADDED_STATUS_HELP = (
        "Active: the member gets mail at once, with no confirmation mail: you vouch for "
        "the address, as an import or the API does. Waiting for confirmation sends no "
        "mail either: the member confirms by signing up on the site themselves."
    )

    class Meta:
        model = Member
        fields = ("email", "name", "status", "note")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if Member.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("A member with this address already exists.")
        return email


@admin.register(Member)
class MemberAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = MemberAdminForm
    list_display = ("email", "name", "status", "source", "created_at", "mail_disabled")
    search_fields = ("email", "name")
    list_filter = ("status", NewsletterFilter, MailDisabledFilter, "source")
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [SubscriptionInline]
    actions = ["export_csv"]
    readonly_fields = (
        "source", "created_at", "confirmed_at", "last_seen_at", "email_disabled_at",
        "email_disabled_reason",
    )  # fmt: skip
    change_list_template = "admin/members/member/change_list.html"

    def get_fields(self, request, obj=None):
        editable = ["email"] if obj is None else []
        return [*editable, "name", "status", "note", *self.readonly_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "status" in form.base_fields:
            # Added by an editor: active by default, as an import or the API adds them.
            form.base_fields["status"].initial = Member.Status.ACTIVE
            form.base_fields["status"].help_text = MemberAdminForm.ADDED_STATUS_HELP
        return form

    def get_readonly_fields(self, request, obj=None):
        return ("email", *self.readonly_fields) if obj is not None else self.readonly_fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "email":  # one rule for addresses (newsletters.addresses)
            return EmailField(label="E-mail address", help_text="Stored lower-cased.")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(boolean=True, description="mail off", ordering="email_disabled_at")
    def mail_disabled(self, member: Member) -> bool:
        return member.email_disabled_at is not None

    def save_model(self, request, member: Member, form, change: bool) -> None:
        """Add: `create_member` (active: confirmed by the editor). Change: the fields,
        then `activate` if the editor switched a pending member to active."""
        if not change:
            made, _ = create_member(
                email=member.email,
                name=member.name,
                note=member.note,
                source=Member.Source.ADMIN,
                confirmed=member.status == Member.Status.ACTIVE,
            )
            member.pk = made.pk  # the form's instance is what the inlines and log use
            member.refresh_from_db()
            return
        confirming = (
            "status" in form.changed_data
            and member.status == Member.Status.ACTIVE
            and form.initial.get("status") == Member.Status.PENDING
        )
        if confirming:
            member.status = Member.Status.PENDING  # `activate` makes the change
        member.save()
        if confirming:
            activate(member)

    def save_formset(self, request, form, formset, change: bool) -> None:
        """The newsletters inline, when the editor changed it: exactly the newsletters
        it lists (`set_subscriptions`). Left as it was, it changes nothing (an added or
        confirmed member keeps the defaults they were given)."""
        if formset.model is not Subscription:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # what changed, for the admin's log; nothing written
        if not formset.has_changed():
            return None
        chosen = [
            row.cleaned_data["newsletter"]
            for row in formset.forms
            if row.cleaned_data.get("newsletter") and not row.cleaned_data.get("DELETE")
        ]
        set_subscriptions(form.instance, chosen)
        return None

    def delete_model(self, request, member: Member) -> None:
        delete_member(member)

    def delete_queryset(self, request, queryset: QuerySet[Member]) -> None:
        for member in queryset:
            delete_member(member)

    # --- the list: counts, export -------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["export_url"] = self.export_url(request)
            response.context_data["member_counts"] = changelist.queryset.aggregate(
                active=Count("pk", filter=Q(status=Member.Status.ACTIVE)),
                pending=Count("pk", filter=Q(status=Member.Status.PENDING)),
                disabled=Count("pk", filter=Q(email_disabled_at__isnull=False)),
            )
        return response

    @admin.action(description="Export the selected members as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Member]) -> HttpResponse:
        return csv_response(queryset.order_by("created_at", "pk"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The list as filtered and searched (the same query string), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied  # admin_view sends anonymous users to the login first
        changelist = self.get_changelist_instance(request)
        return csv_response(changelist.get_queryset(request).order_by("created_at", "pk"))

    # --- import -------------------------------------------------------------------

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        summary = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            chosen = list(form.cleaned_data["newsletters"]) or None
            try:
                summary = import_members(
                    form.cleaned_data["file"].file,
                    dry_run=form.cleaned_data["dry_run"],
                    newsletters=chosen,
                )
            except ImportRefused as error:
                form.add_error("file", str(error))
            else:
                if not summary.dry_run:
                    messages.success(
                        request, f"Imported {summary.created} new member(s); "
                        f"{summary.updated} updated, {len(summary.skipped)} skipped."
                    )  # fmt: skip
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import members",
            "form": form,
            "summary": summary,
            "summary_lines": summary.lines() if summary else [],
        }
        return TemplateResponse(request, "admin/members/member/import.html", context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="members_member_import"),
            path("export/", wrap(self.export_view), name="members_member_export"),
            *super().get_urls(),
        ]

    def export_url(self, request: HttpRequest) -> str:
        query = request.GET.urlencode()
        return reverse("admin:members_member_export") + (f"?{query}" if query else "")
