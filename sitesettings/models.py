"""The site's settings (one row) and its header and footer menus.

Read by every page through `core.sitevalues.site_values()`, from the shared cache
(`loading`); saving any of these rows retires that cache and every cached page
(`receivers`). The row is made on first read, from the environment's values.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from blog.models import Category, Tag
from images.models import Image
from pages.models import Page

from .validators import (
    validate_accent,
    validate_language,
    validate_menu_url,
    validate_social_links,
    validate_time_zone,
)

FOOTER_TEXT_MAX = 1000


class SiteSettings(models.Model):
    """What the site is called and how it looks: one row (pk 1)."""

    name = models.CharField("site name", max_length=100)
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="The tagline under the name, and the home page's description.",
    )
    logo = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Shown in the header before the site name (from the image library).",
    )
    icon = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The browser tab's icon: a square PNG works best. Empty: Broadsheet's.",
    )
    accent = models.CharField(
        "accent colour",
        max_length=7,
        blank=True,
        validators=[validate_accent],
        help_text="Links and buttons, as #rrggbb; it must stay readable on white (WCAG AA). "
        "Empty: the theme's own. Dark mode keeps its light accent.",
    )
    social_image = models.ForeignKey(
        Image,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="default social image",
        help_text="The share card of pages and posts that have no cover image.",
    )
    language = models.CharField(
        max_length=35,
        validators=[validate_language],
        help_text="The language readers' pages are in, as a BCP 47 tag (en, fr, de-CH).",
    )
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="Dates shown to readers, month archives and the admin use it "
        "(for example Europe/Paris).",
    )
    social_links = models.TextField(
        "social profile links",
        blank=True,
        validators=[validate_social_links],
        help_text="One https:// address per line (Mastodon, Bluesky, GitHub, X, LinkedIn, "
        'Instagram…): shown in the footer, with rel="me" for verification.',
    )
    footer_text = models.TextField(
        blank=True,
        max_length=FOOTER_TEXT_MAX,
        help_text="Markdown: paragraphs, links, *emphasis* and **bold**; anything else is "
        "shown as text.",
    )
    # Whether any menu item exists (kept by `receivers`): a site without menus reads
    # its settings in one query.
    has_menu_items = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return "Site settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # one row: whoever saves, saves it
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> SiteSettings:
        """The row (made by the first migration; made again from the environment's values
        after a flush)."""
        row, _ = cls.objects.get_or_create(pk=1, defaults=first_values())
        return row


def first_values() -> dict[str, str]:
    """The environment's values (`BROADSHEET_SITE_NAME`, …): the row's first values."""
    from core.sitevalues import from_environment

    first = from_environment()
    return {
        "name": first.name,
        "description": first.description,
        "language": first.language,
        "time_zone": first.time_zone,
    }


class MenuItem(models.Model):
    """One entry of the header or footer menu, pointing at exactly one target."""

    class Menu(models.TextChoices):
        HEADER = "header", "Header"
        FOOTER = "footer", "Footer"

    site = models.ForeignKey(
        SiteSettings, on_delete=models.CASCADE, related_name="menu_items", default=1
    )
    menu = models.CharField(max_length=8, choices=Menu.choices, default=Menu.HEADER)
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=60, blank=True, help_text="Empty: the target's own name.")
    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    url = models.CharField(
        "URL",
        max_length=500,
        blank=True,
        validators=[validate_menu_url],
        help_text="https://… or a path on this site (/archive/).",
    )

    TARGETS = ("page", "category", "tag", "author", "url")

    class Meta:
        ordering = ["menu", "position", "id"]

    def __str__(self) -> str:
        return self.label or self.target_name() or "Menu item"

    def chosen_targets(self) -> list[str]:
        return [
            name
            for name in self.TARGETS
            if (getattr(self, f"{name}_id") if name != "url" else self.url)
        ]

    def clean(self) -> None:
        chosen = self.chosen_targets()
        if len(chosen) != 1:
            raise ValidationError(
                "Choose exactly one target: a page, a category, a tag, an author or a URL"
                + (f" (this item has {', '.join(chosen)})." if chosen else ".")
            )
        if chosen == ["url"] and not self.label.strip():
            raise ValidationError({"label": "A link to a URL needs a label."})

    def target_name(self) -> str:
        if self.page_id:
            return self.page.title
        if self.category_id:
            return self.category.name
        if self.tag_id:
            return self.tag.name
        if self.author_id:
            return self.author.public_name
        return ""
