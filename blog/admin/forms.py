"""The post form of the admin: what each button saves, read in the editor's time zone.

Two people editing one post: the form carries the version it was drawn from
(`Post.version`); a save against a newer stored version is refused, naming who saved in
between, and the writer's text stays in the form. Pressing a button again then saves
over it on purpose (the other version stays in the history).

When that is the form's only error, the page says so in a banner of its own (not
"Please correct the error below.": the writer made none), with the fields where the
stored version and theirs differ, line by line (`Conflict`).

Writers file a post under tags that do not exist yet by naming them in "New tags"
(comma-separated): they are created with the post (`blog.services.tags_named`), for
whoever `blog.permissions.can_name_new_tags` allows; editors still rename and merge
tags in the tag admin.

The status is never a field the writer sets by hand: the button pressed (`_action`, see
`blog.admin.states`) decides it, and `blog.permissions` decides whether that button is
the writer's to press. A form posted without a button keeps the stored status.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from core.origin import site_url

from .. import permissions, redirects, slugs
from ..context_processors import site
from ..markdown import validate_renderable
from ..models import Post, Tag, expiry_error
from ..seo import DESCRIPTION_SHOWN, SEO_FIELDS, TITLE_SHOWN
from ..services import StaleVersion, post_lock, tags_named
from . import hooks, states

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# Fields a conflict compares, in the order the form shows them.
COMPARED_FIELDS = ["title", "body", "excerpt", "cover_image", "category", "tags"]
COMPARED_FIELDS += ["published_at", "expires_at", "slug", "author", "audience", "newsletter"]
COMPARED_FIELDS += [*SEO_FIELDS]
# The excerpt is public on every post, members-only ones included: their teaser.
EXCERPT_HELP = (
    "Left blank, taken from the start of the body (and kept up to date with it). Everyone "
    "sees it, on members-only posts too: it is what non-members read instead of the body."
)
AUDIENCE_HELP = (
    "Members only: readers who are not signed-in members see the title, byline, cover, "
    "the excerpt and an invitation to sign up, in pages, listings, feeds and the API; "
    "never the body."
)
NEWSLETTER_HELP = (
    "E-mail the post to this newsletter's members, once, when it goes public: at once when "
    "published, at the scheduled time if scheduled. Only active newsletters that send each "
    "post are listed. Changing it after the post was sent changes nothing."
)
TEXT_FIELDS = {"title", "body", "excerpt", "slug", "meta_title", "meta_description"}
TEXT_FIELDS |= {"canonical_url", "social_title", "social_description"}


@dataclass
class FieldDifference:
    """One field where the stored version and the writer's differ. `lines` (text fields):
    `(kind, line)` with kind "removed" (only theirs), "added" (only yours) or "gap"."""

    label: str
    theirs: str = ""
    yours: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Conflict:
    """Someone saved the post while the writer edited it: who, when, what differs."""

    who: str
    when: str
    history_url: str
    differences: list[FieldDifference]

    @property
    def labels(self) -> str:
        return ", ".join(difference.label for difference in self.differences)


class PostAdminForm(forms.ModelForm):
    published_at = forms.DateTimeField(
        required=False,
        label="Publish at",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    expires_at = forms.DateTimeField(
        required=False,
        label="Expires at",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text="Optional: readers stop seeing the post at this time (an embargo ends, an "
        "offer is over). Clear it to keep the post up.",
    )
    coauthors = forms.CharField(
        required=False,
        max_length=1000,
        label="Co-authors",
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="Usernames, separated by commas, in byline order after the author. Every "
        "author may edit the post like its owner.",
    )
    version = forms.CharField(required=False, widget=forms.HiddenInput)
    new_tags = forms.CharField(
        required=False,
        max_length=1000,
        label="New tags",
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="Tags that do not exist yet, separated by commas: they are created and "
        "added to the post.",
    )
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
            "expires_at",
            "slug",
            "author",
            "audience",
            "newsletter",
            *SEO_FIELDS,
        ]
        widgets = {
            "meta_description": forms.Textarea(attrs={"rows": 3}),
            "social_description": forms.Textarea(attrs={"rows": 3}),
            "canonical_url": forms.URLInput(attrs={"class": "vURLField"}),
        }

    request = None  # set by PostAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not permissions.can_publish(self.request.user):
            self.fields.pop("published_at", None)  # a declared field: not removed by exclude
            self.fields.pop("expires_at", None)
        if not permissions.can_set_authors(self.request.user):
            self.fields.pop("coauthors", None)
        elif self.instance.pk:
            names = [user.username for user in self.instance.authors_in_order[1:]]
            self.fields["coauthors"].initial = ", ".join(names)
        self.fields["version"].initial = self.instance.version
        field = self.fields.get("published_at")
        if field is not None:
            zone = timezone.get_current_timezone()
            field.help_text = (
                f"Your time zone: {zone} ({states.zone_name(timezone.now())}). "
                "Pick a time here, then press “Schedule…”."
            )
        self._audience_fields()
        excerpt = self.fields.get("excerpt")
        if excerpt is not None:
            excerpt.help_text = EXCERPT_HELP
        if excerpt is not None and self.instance.pk and not self.instance.excerpt.strip():
            # What readers get while it is blank: the start of the body, as last saved.
            # Escaped: the admin shows help texts as HTML, and a body's text may hold `<`.
            excerpt.help_text = format_html(
                "{} Readers now see: “{}”", excerpt.help_text, self.instance.summary
            )
        if not permissions.can_name_new_tags(self.request.user):
            self.fields.pop("new_tags", None)
        self.action: states.Action | None = None
        self.status = self.instance.status
        self.published_at = self.instance.published_at
        self.conflict: Conflict | None = None

    def _audience_fields(self) -> None:
        """Who reads the body, and the newsletter that sends the post: only active
        newsletters that send each post (the post's current choice stays listed, so an
        archived one does not make the form refuse itself)."""
        if audience := self.fields.get("audience"):
            audience.help_text = AUDIENCE_HELP
            # A form sent without it (a script's, or one from before members) keeps the
            # post's audience rather than being refused: `clean_audience`.
            audience.required = False
        if newsletter := self.fields.get("newsletter"):
            model = newsletter.queryset.model
            choices = Q(active=True, cadence=model.Cadence.POST)
            if self.instance.newsletter_id:
                choices |= Q(pk=self.instance.newsletter_id)
            newsletter.queryset = model.objects.filter(choices).order_by("order", "name")
            newsletter.help_text = NEWSLETTER_HELP
            newsletter.empty_label = "No e-mail"

    def clean_audience(self) -> str:
        return self.cleaned_data.get("audience") or self.instance.audience

    def clean_new_tags(self) -> list[str]:
        """The names typed, each once (in any letter case), spaces tidied."""
        limit = Tag._meta.get_field("name").max_length
        names: dict[str, str] = {}
        for part in self.cleaned_data.get("new_tags", "").split(","):
            name = " ".join(part.split())
            if len(name) > limit:
                raise forms.ValidationError(
                    f"“{name}” is too long: tags have at most {limit} characters."
                )
            if name:
                names.setdefault(name.casefold(), name)
        return list(names.values())

    def clean_coauthors(self) -> list:
        """The users named, each once, in the order typed; an unknown name is an error."""
        names = list(dict.fromkeys(n.strip() for n in self.cleaned_data["coauthors"].split(",")))
        names = [name for name in names if name]
        named = Q()
        for name in names:
            named |= Q(username__iexact=name)
        users = get_user_model().objects.filter(named, is_active=True) if names else []
        found = {user.username.casefold(): user for user in users}
        if unknown := [name for name in names if name.casefold() not in found]:
            raise forms.ValidationError(
                f"No active user is called {', '.join(f'“{name}”' for name in unknown)}."
            )
        return [found[name.casefold()] for name in names]

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
        if "expires_at" in self.fields:
            starts = self.published_at or (
                timezone.now() if status == Post.Status.PUBLISHED else None
            )
            if error := expiry_error(starts, cleaned.get("expires_at")):
                self.add_error("expires_at", error)
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
            self.conflict = Conflict(
                who=name,
                when=states.format_moment(stale.recorded_at),
                history_url=hooks.admin_url(self._meta.model._meta, "history", [post.pk]),
                differences=self._differences(Post.all_kinds.get(pk=post.pk)),
            )
            raise forms.ValidationError(
                f"{name} saved this post at {states.format_moment(stale.recorded_at)} while "
                "you were editing, so your changes were not saved. Your text is still below. "
                "Open the post in a new tab to see theirs, or press a button again to "
                "replace their version with yours (theirs stays in the history).",
                code="stale",
            ) from None

    def _differences(self, theirs: Post) -> list[FieldDifference]:
        """The fields where the stored post and this form differ (text: line by line)."""
        differences = []
        for name in COMPARED_FIELDS:
            if name not in self.cleaned_data:
                continue  # not on this writer's form, or not valid: nothing to compare
            stored, typed = getattr(theirs, name), self.cleaned_data[name]
            if name == "tags":
                stored = sorted(theirs.tags.all(), key=lambda tag: tag.name)
                typed = sorted(typed, key=lambda tag: tag.name)
            if _shown(stored) == _shown(typed):
                continue
            difference = FieldDifference(
                label=str(self.fields[name].label or name).capitalize(),
                theirs=_shown(stored),
                yours=_shown(typed),
            )
            if name in TEXT_FIELDS:
                difference.lines = _changed_lines(difference.theirs, difference.yours)
            differences.append(difference)
        return differences

    def post_data(self) -> dict:
        """What this form writes, for `blog.services`: its fields, with the status and
        publication time the pressed button means, and the tags named in "New tags"
        (created now: call it once, when the form is saved)."""
        fields = PostAdminForm.Meta.fields  # the post's own (the admin's subclass adds more)
        data = {name: self.cleaned_data[name] for name in fields if name in self.cleaned_data}
        data.update(status=self.status, published_at=self.published_at)
        if names := self.cleaned_data.get("new_tags"):
            data["tags"] = [*data.get("tags", ()), *tags_named(names=names)]
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
        stored = self.instance.published_at
        if chosen and stored and chosen == stored.replace(second=0, microsecond=0):
            return stored  # the field shows minutes: left as drawn, the stored time stays
        # Left empty on a published post: keep its time (Post.save() dates a new one now).
        return chosen or stored


def seo_preview_context(post: Post | None, *, kind: str = Post.Kind.POST) -> dict:
    """What the post form's search-result and social-card preview
    (`static/editor/seo-preview.js`) needs besides the fields: the site's name and
    origin, where posts (or pages, `kind`) live, the summary as last saved, and where
    search engines cut."""
    page = kind == Post.Kind.PAGE
    prefix = "/" if page else reverse("blog:post", args=["-"]).removesuffix("-/")
    return {
        "site_name": site(None)["site_name"],
        "origin": site_url("/").rstrip("/"),
        "path_prefix": prefix,
        "summary": post.summary if post is not None else "",
        "title_shown": TITLE_SHOWN,
        "description_shown": DESCRIPTION_SHOWN,
    }


def reserved_slug_refused(instance, slug: str) -> str:
    """A slug that old links still use for something else is not free (blog.redirects)."""
    if slug and redirects.is_reserved(instance, slug):
        raise forms.ValidationError(slugs.RESERVED)
    return slug


class SlugOwnerForm(forms.ModelForm):
    """Categories and tags: the same rule for their slugs."""

    def clean_slug(self) -> str:
        return reserved_slug_refused(self.instance, self.cleaned_data.get("slug", ""))


def _shown(value) -> str:
    """A field's value as the conflict banner shows it."""
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    if hasattr(value, "tzinfo"):
        return states.format_moment(value)
    return str(value)


def _changed_lines(theirs: str, yours: str) -> list[tuple[str, str]]:
    """The lines only one side has, in order, a gap marking unchanged lines between."""
    old, new = theirs.splitlines(), yours.splitlines()
    lines: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            if lines:
                lines.append(("gap", "…"))
            continue
        lines += [("removed", line) for line in old[i1:i2]]
        lines += [("added", line) for line in new[j1:j2]]
    return lines[:-1] if lines and lines[-1][0] == "gap" else lines
