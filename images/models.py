"""The image library: uploaded originals and their renditions.

An `Image` row points at its cleaned original (EXIF stripped, see `processing`); each
`Rendition` row at one resized copy. Both are stored through Django's default storage
(`STORAGES["default"]`: a folder on disk or an S3 bucket) under names made from a hash
of their content, so a file's URL never changes meaning and may be cached for a year.

Pages read renditions from prefetched rows (`Image.renditions.all()`), never by asking
the storage whether a file exists: a listing costs one extra query, not one per image.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models

from .processing import EXTENSIONS, MIME_TYPES


class Format(models.TextChoices):
    JPEG = "JPEG", "JPEG"
    PNG = "PNG", "PNG"
    WEBP = "WEBP", "WebP"
    GIF = "GIF", "GIF"
    AVIF = "AVIF", "AVIF"


@dataclass(frozen=True)
class Candidate:
    """One file a browser may pick: URL, pixel size, MIME type."""

    url: str
    width: int
    height: int
    mime_type: str
    size: int = 0


class Image(models.Model):
    """An uploaded picture. Alt text is required: every image must say what it shows."""

    file = models.FileField(max_length=255, editable=False)
    format = models.CharField(max_length=8, choices=Format.choices, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    size = models.PositiveIntegerField(editable=False, help_text="Bytes of the stored original.")
    animated = models.BooleanField(default=False, editable=False)
    alt_text = models.CharField(
        max_length=300, help_text="What the image shows, for readers who cannot see it."
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="images",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty while renditions are owed: the reconciler (images/tasks.py) redoes them if the
    # task's message was lost.
    renditions_done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.alt_text or f"Image {self.pk}"

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def original(self) -> Candidate:
        return Candidate(self.url, self.width, self.height, self.mime_type, self.size)

    def _renditions(self) -> list[Rendition]:
        # `.all()` uses the prefetched rows when the queryset asked for them; sorted once
        # per instance, since a page asks for sources, srcset and src in turn.
        if "_sorted_renditions" not in self.__dict__:
            self._sorted_renditions = sorted(
                self.renditions.all(), key=lambda r: (r.format, r.width)
            )
        return self._sorted_renditions

    def candidates(self, fmt: str) -> list[Candidate]:
        """Renditions in `fmt`, narrowest first (empty until the worker made them)."""
        return [r.candidate for r in self._renditions() if r.format == fmt]

    @property
    def sources(self) -> list[tuple[str, str]]:
        """(MIME type, srcset) for each modern format that has renditions: AVIF, WebP."""
        out = []
        for fmt in (Format.AVIF, Format.WEBP):
            if candidates := self.candidates(fmt):
                out.append((MIME_TYPES[fmt], _srcset(candidates)))
        return out

    @property
    def fallback(self) -> list[Candidate]:
        """What every browser shows: JPEG/PNG (or, for animations, GIF) renditions, then
        an original they can all read."""
        fallback = [
            r.candidate
            for r in self._renditions()
            if r.format in (Format.JPEG, Format.PNG, Format.GIF)
        ]
        if self.format in (Format.JPEG, Format.PNG, Format.GIF) or not fallback:
            fallback.append(self.original)
        return fallback

    @property
    def srcset(self) -> str:
        return _srcset(self.fallback) if len(self.fallback) > 1 else ""

    @property
    def src(self) -> Candidate:
        """The `<img src>`: the widest fallback rendition up to 1600 px, else the original."""
        fitting = [c for c in self.fallback if c.width <= 1600]
        return fitting[-1] if fitting else self.fallback[0]

    @property
    def social(self) -> Candidate:
        """For og:image, twitter:image, JSON-LD and feeds: a JPEG/PNG crawlers all read."""
        return self.src


def _srcset(candidates: list[Candidate]) -> str:
    return ", ".join(f"{c.url} {c.width}w" for c in candidates)


class Rendition(models.Model):
    """A resized copy of an image, in one format, made by `images.tasks.make_renditions`."""

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8, choices=Format.choices)
    file = models.FileField(max_length=255)
    size = models.PositiveIntegerField(help_text="Bytes.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["image", "width", "format"], name="rendition_one_per_width_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.image_id} @ {self.width}w {self.format}"

    @property
    def candidate(self) -> Candidate:
        return Candidate(self.file.url, self.width, self.height, MIME_TYPES[self.format], self.size)

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]
