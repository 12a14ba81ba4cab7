"""The post form of the admin: what each button saves, read in the editor's time zone.

Two people editing one post: the form carries the version it was drawn from
(`Post.version`); a save against a newer stored version is refused, naming who saved in
between, and the writer's text stays in the form. Pressing a button again then saves
over it on purpose (the other version stays in the history).

The status is never a field the writer sets by hand: the button pressed (`_action`, see
`blog.admin.states`) decides it, and `blog.permissions` decides whether that button is
the writer's to press. A form posted without a button keeps the stored status.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from .. import permissions, redirects, slugs
from ..markdown import validate_renderable
from ..models import Post
from ..services import StaleVersion, post_lock
from . import states

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class PostAdminForm(forms.ModelForm):
    published_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    version = forms.CharField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note to the writer",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed for “Return to writer”: what should change before it is published.",
    )

    class Meta:
        model = Post
        fields = [
            "title",
            "body",
            "excerpt",
            "cover_image",
            "category",
            "tags",
            "published_at",
            "slug",
            "author",
        ]

    request = None  # set by PostAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not permissions.can_publish(self.request.user):
            self.fields.pop("published_at", None)  # a declared field: not removed by exclude
        self.fields["version"].initial = self.instance.version
        field = self.fields.get("published_at")
        if field is not None:
            zone = timezone.get_current_timezone()
            field.help_text = (
                f"Your time zone: {zone} ({states.zone_name(timezone.now())}). "
                "Pick a time here, then press “Schedule…”."
            )
        self.action: states.Action | None = None
        self.status = self.instance.status
        self.published_at = self.instance.published_at

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body", "")
        # Too complex to format: the writer is told, not degraded. The rendering is kept
        # for the save, which would otherwise render the same body again.
        self.instance.rendering = validate_renderable(body)
        return body

    def clean_slug(self) -> str:
        slug = reserved_slug_refused(self.instance, self.cleaned_data.get("slug", ""))
        if slug and slugs.slug_taken(self.instance, slug):
            self.slug_unavailable = slug
            return self.instance.slug if self.instance.pk else ""
        return slug

    def clean(self):
        cleaned = super().clean()
        user, post = self.request.user, self.instance
        if post.pk:
            self._refuse_a_stale_version(post)
        name = self.data.get("_action")
        if name:
            self.action = states.ACTIONS.get(name)
            if self.action not in states.available_actions(user, post if post.pk else None):
                raise forms.ValidationError("That button is not yours to press on this post.")
        status = self.action.status if self.action and self.action.status else post.status
        if not permissions.can_set_status(user, post, status):
            raise forms.ValidationError("You may save drafts only; an editor publishes them.")
        if self.action == states.RETURN and not cleaned.get("note", "").strip():
            self.add_error("note", "Tell the writer what to change before you return it.")
        self.status = status
        self.published_at = self._publication_time(status, cleaned)
        if "published_at" in self.fields:
            cleaned["published_at"] = self.published_at
        return cleaned

    def _refuse_a_stale_version(self, post: Post) -> None:
        # The one optimistic lock (`blog.services.post_lock`): the row stays locked until
        # the admin's transaction ends, so no one saves between this check and the write.
        try:
            post_lock(post_id=post.pk, expected_version=self.data.get("version", ""))
        except StaleVersion as stale:
            who = get_user_model().objects.filter(pk=stale.last_edited_by_id).first()
            name = (
                "Someone"
                if who is None
                else (who.public_name if who != self.request.user else "You (in another tab)")
            )
            self.data = self.data.copy()
            self.data["version"] = stale.version  # pressing again saves over it, on purpose
            raise forms.ValidationError(
                f"{name} saved this post at {states.format_moment(stale.updated_at)} while "
                "you were editing, so your changes were not saved. Your text is still below. "
                "Open the post in a new tab to see theirs, or press a button again to "
                "replace their version with yours (theirs stays in the history).",
                code="stale",
            ) from None

    def post_data(self) -> dict:
        """What this form writes, for `blog.services`: its fields, with the status and
        publication time the pressed button means."""
        fields = PostAdminForm.Meta.fields  # the post's own (the admin's subclass adds more)
        data = {name: self.cleaned_data[name] for name in fields if name in self.cleaned_data}
        data.update(status=self.status, published_at=self.published_at)
        return data

    def save(self, commit: bool = True) -> Post:
        # Applied only now: a refused form must not change the post it re-renders.
        self.instance.status, self.instance.published_at = self.status, self.published_at
        return super().save(commit)

    def _publication_time(self, status: str, cleaned: dict):
        """`published_at` as the pressed button means it; None while not published."""
        if status != Post.Status.PUBLISHED:
            return None
        action = self.action.name if self.action else None
        if action == states.PUBLISH.name:
            return timezone.now()
        if "published_at" not in self.fields:
            return self.instance.published_at
        chosen = cleaned.get("published_at")
        if action == states.SCHEDULE.name and (chosen is None or chosen <= timezone.now()):
            self.add_error(
                "published_at",
                "Pick a date and time in the future to schedule the post, or press “Publish now”.",
            )
        # Left empty on a published post: keep its time (Post.save() dates a new one now).
        return chosen or self.instance.published_at


def reserved_slug_refused(instance, slug: str) -> str:
    """A slug that old links still use for something else is not free (blog.redirects)."""
    if slug and redirects.is_reserved(instance, slug):
        raise forms.ValidationError(slugs.RESERVED)
    return slug


class SlugOwnerForm(forms.ModelForm):
    """Categories and tags: the same rule for their slugs."""

    def clean_slug(self) -> str:
        return reserved_slug_refused(self.instance, self.cleaned_data.get("slug", ""))
