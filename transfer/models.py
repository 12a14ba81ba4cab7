"""What the importers remember, kept out of `blog`'s tables.

- `SourceKey`: which local object an item of a source became (WordPress post ID, Ghost id,
  our own export's slug). Re-running an import finds it here and updates the object
  instead of creating a duplicate.
- Old permalinks of imported posts (`--keep-permalinks`) are not kept here: they are rows
  of `blog.redirects.Redirect`, the one table of moved addresses, which lead to the post
  wherever it lives later.
- `ExportJob`: an export requested in the admin, built by the worker, downloaded by
  editors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SourceKey(models.Model):
    class Kind(models.TextChoices):
        POST = "post", "Post"
        AUTHOR = "author", "Author"
        CATEGORY = "category", "Category"
        TAG = "tag", "Tag"
        IMAGE = "image", "Image"  # a library picture of a Broadsheet export

    source = models.CharField(max_length=40, help_text="wordpress, ghost or broadsheet.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=255, help_text="The item's id or GUID in the source.")
    object_id = models.BigIntegerField()
    # A hash of the item as last imported: an unchanged item is skipped without
    # converting its body again, so a re-run costs little more than reading the file.
    digest = models.CharField(max_length=64, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "key"], name="transfer_sourcekey_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.key} → {self.object_id}"


class ExportJob(models.Model):
    """An export an editor asked for in the admin; the worker fills `content`.

    The document is kept gzipped in the database rather than in media storage, so that
    the web process can serve what a worker on another host wrote.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"  # claimed by a worker at `started_at`
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, editable=False
    )
    content = models.BinaryField(editable=False, default=b"")  # gzipped JSON
    posts = models.PositiveIntegerField(default=0, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False, help_text="Bytes, gzipped.")
    error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export of {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def filename(self) -> str:
        return f"broadsheet-export-{self.created_at:%Y%m%d-%H%M%S}.json.gz"
