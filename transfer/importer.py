"""Records → rows, for every source: idempotent, in bulk, one bad item never fatal.

`import_records(records, options=...)` reads a stream of `transfer.records` and writes
users, categories, tags and posts:

- **Idempotent.** Each item's source key is stored in `SourceKey`; a re-run updates the
  post it made (or leaves it alone when nothing changed) instead of adding a copy.
- **Bulk, through blog's service.** Posts are written `BATCH_SIZE` at a time by
  `blog.services.post_bulk_create` / `post_bulk_update`: the same derived columns as any
  other write (`Post.derive`: excerpt, `first_public_at`…; the HTML rendered here, in
  worker processes, and handed over), search entries, and the same domain events, one
  per batch (pages retired, revisions, webhooks), so nothing is skipped for being bulk.
- **One bad item is skipped and reported.** Each record is validated with the model's own
  field rules before writing; a batch the database refuses is retried row by row.
- **One transaction.** A file refused half-way (cut short, damaged, not an export at
  all) changes nothing. A dry run is the same transaction rolled back, so its summary
  reports exactly what would happen, slugs included.
- **Library pictures** (`ImageRecord`, our own export) come before the posts: each
  one's bytes are read from the folder the site owner names (`ImportOptions.media_dir`,
  the old site's media) or downloaded from its URL on the old site (bounded:
  `transfer.pictures`), and go through the image library's own upload
  (`images.services.image_create`: checked and re-encoded in a limited child process).
  Each is remembered by its key (`SourceKey`, kind "image"), so a re-run brings none
  twice. Then each post's cover, social image and `image:<id>` references point at the
  pictures made here; one that could not be brought is skipped with its reason, and the
  posts showing it are imported all the same (the body shows its alt text, counted in
  `adjusted`). Files stored by a dry run, or by an import that failed, are deleted.
- **Comments** (`CommentRecord`) are written after their posts, each once: a comment
  already imported (`Comment.source_id`) is left alone (`transfer.comments`).
- **Only authors who own a post** become users (our own export's round trip excepted:
  `ImportOptions.all_authors`); the others are counted as skipped.
- **Nothing changes silently.** What a reader had to change (a members-only post made a
  draft, an untitled post titled) and what the body conversion lost (checked against
  the rendered page, `transfer.html.conversion_losses`) is counted in the summary's
  `adjusted`, by reason.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import multiprocessing
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import DatabaseError, reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.roles import CONTRIBUTOR
from accounts.usernames import username_free
from blog import redirects
from blog.markdown import Rendering
from blog.models import MAX_BODY_LENGTH, Category, Post, Tag
from blog.seo import validate_canonical_url
from blog.services import post_bulk_create, post_bulk_update
from blog.slugs import is_root_name, slug_from, unique_slug
from core.origin import site_origin
from images.conf import image_setting
from images.models import Image
from images.processing import RefusedImage
from images.services import image_create

from .bodies import PreparedBody, prepare_body_or_error, rendered_here
from .comments import write_comments
from .exporting import rewrite_image_references
from .html import pictures_elsewhere
from .models import SourceKey
from .pictures import PictureUnavailable, download_picture, read_picture
from .records import (
    AuthorRecord,
    CommentRecord,
    ImageRecord,
    Note,
    PostRecord,
    Record,
    Skip,
    TermRecord,
)
from .summary import Summary

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# What the readers bring of search engines and social cards (blog.seo) as text; the
# social image is a picture, brought with the others (`ImageRecord`, our own export).
IMPORTED_SEO_FIELDS = (
    "meta_title",
    "meta_description",
    "canonical_url",
    "social_title",
    "social_description",
    "noindex",
)
# Columns a re-import compares and rewrites; slug and created_at stay as first imported.
_POST_FIELDS = [
    "title",
    "body",
    "body_html",
    "excerpt",
    "reading_minutes",
    "status",
    "published_at",
    "expires_at",
    "author",
    "category",
    "updated_at",
    "audience",
    "cover_image",
    "social_image",
    *IMPORTED_SEO_FIELDS,
]
_TERM_MODELS = {"category": Category, "tag": Tag}
_TERM_KIND_NAMES = {"category": "categories", "tag": "tags"}
# An author without an email still needs a unique one: a reserved, undeliverable domain.
NO_EMAIL_DOMAIN = "imported.invalid"
IMAGE_KIND = SourceKey.Kind.IMAGE  # a library picture (Broadsheet exports only)
_HASH_KEY = re.compile(r"[0-9a-f]{32}")


@dataclass
class ImportOptions:
    source: str  # "wordpress", "ghost", "broadsheet": namespaces the keys in SourceKey
    dry_run: bool = False
    keep_permalinks: bool = False
    author_map: dict[str, str] = field(default_factory=dict)  # source login → username
    default_roles: tuple[str, ...] = (CONTRIBUTOR,)
    workers: int = 1  # processes converting and rendering bodies
    # A site's export lists every account it has; only those who own an imported post
    # become users here (a move should not add 300 staff accounts). Our own export keeps
    # everyone who holds a role, so its round trip sets this.
    all_authors: bool = False
    # Where library pictures' files are (the old site's MEDIA_ROOT, `ImageRecord.file`
    # under it); "" downloads each from its URL instead.
    media_dir: str = ""


def import_records(
    records: Iterable[Record],
    *,
    options: ImportOptions,
    progress: Callable[[], None] | None = None,
) -> Summary:
    """Import `records`; returns the summary.

    `progress` is called each time a batch of posts has been converted and written (and
    at the end), so a bar driven by it reaches 100% only when the work is done.
    """
    pool = None
    if options.workers > 1:
        # forkserver: workers start clean (no copy of our database connection or threads).
        context = multiprocessing.get_context("forkserver")
        pool = ProcessPoolExecutor(max_workers=options.workers, mp_context=context)
    importer = _Importer(options, pool)
    try:
        # One transaction: a file refused half-way (truncated, malformed, not an export)
        # leaves nothing behind, and a dry run is the same import rolled back.
        with transaction.atomic():
            importer.run(records, progress)
            if options.dry_run:
                transaction.set_rollback(True)
    except BaseException:
        importer.discard_pictures()  # their rows were rolled back: no file stays either
        raise
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    if options.dry_run:
        importer.discard_pictures()
    return importer.summary


class _Importer:
    def __init__(self, options: ImportOptions, pool: Executor | None = None) -> None:
        self.options = options
        self.pool = pool
        self.summary = Summary(dry_run=options.dry_run)
        self.users: dict[str, int] = {}  # author key → user id
        self.terms: dict[tuple[str, str], int] = {}  # (kind, key) → id
        self.batch: list[PostRecord] = []
        self.pending_authors: dict[str, AuthorRecord] = {}  # created when a post needs one
        self.comments: list[CommentRecord] = []  # written after their posts (`_flush`)
        self.progress: Callable[[], None] | None = None
        self.reserved_slugs: set[str] = set()
        self.roles = {g.name: g for g in Group.objects.filter(name__in=_all_roles())}
        self.images: dict[str, int] = {}  # picture key → image id here
        # Where readers' browsers may load pictures from (the CSP's img-src), and the
        # posts that show pictures from anywhere else, by origin.
        self.shown_from = _image_origins()
        self.pictures_elsewhere: Counter[str] = Counter()
        self.missing_images: dict[str, str] = {}  # picture key → why it is not here
        self.stored_files: list[str] = []  # originals this run stored (`discard_pictures`)

    # --- driving ------------------------------------------------------------------------

    def run(self, records: Iterable[Record], progress: Callable[[], None] | None) -> None:
        self.progress = progress
        for record in records:
            try:
                if isinstance(record, PostRecord):
                    self._dispatch(record)
                else:
                    with transaction.atomic():  # a refused row must not abort the run
                        self._dispatch(record)
            except (ValidationError, DatabaseError, ValueError) as error:
                # Authors and terms are written one by one: a bad one is skipped alone.
                self.summary.skip("invalid item", f"{_describe(record)}: {_message(error)}")
        self._flush()
        self._finish()

    def _dispatch(self, record: Record) -> None:
        if isinstance(record, PostRecord):
            self._resolve_pictures(record)
            self.batch.append(record)
            if len(self.batch) >= BATCH_SIZE:
                self._flush()
        elif isinstance(record, AuthorRecord):
            if self.options.all_authors:
                self._author(record)
            else:
                self.pending_authors.setdefault(record.key.strip(), record)
        elif isinstance(record, TermRecord):
            self._term(record)
        elif isinstance(record, ImageRecord):
            self._image(record)
        elif isinstance(record, CommentRecord):
            self.comments.append(record)
        elif isinstance(record, Skip):
            self.summary.skip(record.reason, record.detail)
        elif isinstance(record, Note):
            self.summary.note(record.text)

    def _finish(self) -> None:
        unused = [key for key in self.pending_authors if key not in self.users]
        if unused:
            self.summary.skipped["author without imported posts"] += len(unused)
        # Kept, not lost: the pictures show once the owner names their host (or uploads
        # them to the library). Without a word, they would be blocked on every page.
        for origin, posts in sorted(self.pictures_elsewhere.items()):
            self.summary.note(
                f"{posts} {'post shows' if posts == 1 else 'posts show'} pictures from "
                f"{origin}, which this site's Content-Security-Policy blocks: add it to "
                "BROADSHEET_IMAGE_HOSTS to show them, or upload them to the image library "
                "(docs/import-export.md)"
            )
        counts = [self.summary.created, self.summary.updated, self.summary.unchanged]
        if any(count["images"] for count in counts):  # the table has no row for them
            created, updated, unchanged = (count["images"] for count in counts)
            self.summary.note(
                f"library images: {created} created, {updated} updated, {unchanged} unchanged"
            )

    # --- authors and terms --------------------------------------------------------------

    def _author(self, record: AuthorRecord) -> int:
        if record.key in self.users:
            return self.users[record.key]
        User = get_user_model()
        user_id = _known(self.options.source, SourceKey.Kind.AUTHOR, record.key, User)
        if user_id is not None:
            self.summary.unchanged["authors"] += 1
        mapped = self.options.author_map.get(record.key)
        if user_id is None and mapped:
            user_id = User.objects.filter(username=mapped).values_list("pk", flat=True).first()
            if user_id is None:
                raise ValueError(f"--authors maps {record.key!r} to unknown user {mapped!r}")
        if user_id is None and record.email:
            user_id = (
                User.objects.filter(email__iexact=record.email).values_list("pk", flat=True)
            ).first()
            if user_id is not None:
                self.summary.note(f"author {record.key!r} matched an existing user by email")
        if user_id is None:
            user_id = self._create_user(record)
        _remember(self.options.source, SourceKey.Kind.AUTHOR, record.key, user_id)
        self.users[record.key] = user_id
        return user_id

    def _create_user(self, record: AuthorRecord) -> int:
        User = get_user_model()
        email, login = record.email.strip(), record.username.strip()
        if not email and _is_email(login):
            # `dc:creator` holding an address (Squarespace, migration tools): it is the
            # author's email, and its local part their username.
            email, login = login, login.split("@", 1)[0]
        refused = ""
        if email and not _is_email(email):
            # Not an address Django accepts: the author (and their posts) still come in, under
            # the placeholder address, and the summary names the one we could not use.
            refused, email = email, ""
        fallback = slugify(record.display_name) or "author"
        username = username_free(login, fallback=fallback, sep="-")
        roles = self.options.default_roles if record.roles is None else record.roles
        user = User(
            username=username,
            email=email or f"{username}@{NO_EMAIL_DOMAIN}",
            display_name=record.display_name[:120],
            first_name=record.first_name[:150],
            last_name=record.last_name[:150],
            bio=record.bio[:2000],
            # Writers reach the admin once they set a password through "forgot password".
            is_staff=bool(roles),
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        user.groups.add(*(self.roles[r] for r in roles if r in self.roles))
        if refused:
            self.summary.note(
                f"author {record.key!r}: {refused!r} is not a valid email: given {user.email}"
            )
        elif not email:
            self.summary.note(f"author {record.key!r} had no email: given {user.email}")
        self.summary.created["authors"] += 1
        return user.pk

    def _term(self, record: TermRecord) -> int:
        cache_key = (record.kind, record.key)
        if cache_key in self.terms:
            return self.terms[cache_key]
        model = _TERM_MODELS[record.kind]
        plural = _TERM_KIND_NAMES[record.kind]
        max_length = model._meta.get_field("slug").max_length
        slug = (_ascii_slug(record.slug) or _ascii_slug(record.name))[:max_length].strip("-")
        term_id = _known(self.options.source, record.kind, record.key, model)
        known = term_id is not None
        name = record.name
        if term_id is None and slug:
            term_id = model.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if term_id is None:
            same_name = model.objects.filter(name__iexact=name).values_list("pk", flat=True).first()
            if same_name is not None and same_name in self.terms.values():
                # Another item of this file already is that term ("News" under "Europe"
                # and "News" under "Asia"): keep them apart, named by their path.
                name = record.path or f"{record.name} ({slug})"
            else:
                term_id = same_name
        if term_id is None:
            term = model(name=name, slug=slug)
            if slug and model.objects.filter(slug=slug).exists():
                term.slug = ""  # save() picks a free one
            if hasattr(term, "description"):
                term.description = record.description
            term.full_clean(exclude=["slug"], validate_unique=False)
            with transaction.atomic():
                term.save()
            term_id = term.pk
            self.summary.created[plural] += 1
        elif (
            hasattr(model, "description")
            and record.description
            and model.objects.filter(pk=term_id)
            .exclude(description=record.description)
            .update(description=record.description)
        ):
            self.summary.updated[plural] += 1
        elif known:
            self.summary.unchanged[plural] += 1
        _remember(self.options.source, record.kind, record.key, term_id)
        self.terms[cache_key] = term_id
        return term_id

    # --- library pictures ----------------------------------------------------------------

    def _image(self, record: ImageRecord) -> None:
        """Bring one picture of the library, once: a re-run finds it by its key and
        updates its texts if the file's changed; a picture that cannot be brought is
        skipped with the reason (the posts showing it still come in)."""
        source = self.options.source
        known = SourceKey.objects.filter(source=source, kind=IMAGE_KIND, key=record.key).first()
        texts = self._image_texts(record)
        image = Image.objects.filter(pk=known.object_id).first() if known else None
        if image is not None:
            if known.digest == record.digest():
                self.summary.unchanged["images"] += 1
            else:
                for name, value in texts.items():
                    setattr(image, name, value)
                image.save(update_fields=list(texts))
                known.digest = record.digest()
                known.save(update_fields=["digest"])
                self.summary.updated["images"] += 1
            self.images[record.key] = image.pk
            return
        # The same picture already in this library (the file name is made from the
        # content's hash): used as it is, texts and all, without fetching it again.
        same = Image.objects.filter(file=record.file).order_by("pk").first()
        if same is not None and _HASH_KEY.match(record.key):
            SourceKey.objects.update_or_create(
                source=source,
                kind=IMAGE_KIND,
                key=record.key,
                defaults={"object_id": same.pk, "digest": record.digest()},
            )
            self.images[record.key] = same.pk
            self.summary.unchanged["images"] += 1
            return
        try:
            content = self._picture_bytes(record)
            image = image_create(
                upload=io.BytesIO(content),
                uploaded_by=_user_stub(self.users.get(record.uploaded_by)),
                **texts,
            )
        except (PictureUnavailable, RefusedImage) as error:
            reason = error.reason if isinstance(error, PictureUnavailable) else "refused"
            self.missing_images[record.key] = reason
            self.summary.skip(f"image: {reason}", f"{_describe(record)}: {error}")
            return
        self.stored_files.append(image.file.name)
        try:
            if record.created_at:
                Image.objects.filter(pk=image.pk).update(created_at=record.created_at)
            SourceKey.objects.update_or_create(
                source=source,
                kind=IMAGE_KIND,
                key=record.key,
                defaults={"object_id": image.pk, "digest": record.digest()},
            )
        except BaseException:
            # The item's savepoint drops the row (`run`): its file goes with it.
            self.stored_files.remove(image.file.name)
            default_storage.delete(image.file.name)
            raise
        self.images[record.key] = image.pk
        self.summary.created["images"] += 1

    def _image_texts(self, record: ImageRecord) -> dict[str, str]:
        texts = {"alt_text": record.alt_text, "caption": record.caption, "credit": record.credit}
        for name, text in texts.items():
            limit = Image._meta.get_field(name).max_length
            if len(text) > limit:
                self.summary.adjust(f"image {name.replace('_', ' ')} over {limit}: shortened")
                texts[name] = text[: limit - 1].rstrip() + "…"
        return texts

    def _picture_bytes(self, record: ImageRecord) -> bytes:
        """The original's bytes, from the media folder or the old site; checked against
        the key when the key is the content's hash (a folder of another site, a file
        changed since)."""
        max_bytes = image_setting("MAX_BYTES")
        if self.options.media_dir:
            content = read_picture(Path(self.options.media_dir), record.file, max_bytes)
        else:
            content = download_picture(record.url, max_bytes)
        named_by_hash = _HASH_KEY.match(record.key)
        if named_by_hash and hashlib.sha256(content).hexdigest()[:32] != record.key[:32]:
            raise PictureUnavailable(
                "file differs from the export", f"{record.file} is not the exported picture"
            )
        return content

    def _resolve_pictures(self, record: PostRecord) -> None:
        """Point the post's pictures at the images brought here, before its digest is
        compared: each `image:<id>` of the body becomes this site's id (or `image:0`,
        which names no image, so the page shows the alt text as for a deleted one), and
        `image_ids` holds its cover and social image here (None: none)."""
        if record.body_images is not None:

            def rewritten(match: re.Match) -> str:
                key = record.body_images.get(str(int(match.group(2))), "")
                return f"{match.group(1)}image:{self._picture_id(record, key, 'body') or 0}"

            record.body = rewrite_image_references(record.body, rewritten)
        if record.cover_image is not None:
            record.image_ids = (
                self._picture_id(record, record.cover_image, "cover"),
                self._picture_id(record, record.social_image or "", "social image"),
            )

    def _picture_id(self, record: PostRecord, key: str, role: str) -> int | None:
        if key in self.images:
            return self.images[key]
        if key or role == "body":  # no key for the cover: the post has none
            why = self.missing_images.get(key, "not in the file")
            shown = {"body": "its alt text shown", "cover": "imported without a cover"}
            self.summary.adjust(
                f"{role} picture not imported: {shown.get(role, 'the card uses the cover')}",
                f"{_describe(record)}: image {key or '?'} ({why})",
            )
        return None

    def discard_pictures(self) -> None:
        """Delete the originals this run stored: a dry run's, or a failed import's
        (their rows were rolled back). Renditions are made only once committed."""
        for name in self.stored_files:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete media file %s", name, exc_info=True)
        self.stored_files = []

    # --- posts --------------------------------------------------------------------------

    def _flush(self) -> None:
        batch, self.batch = _last_of_each_key(self.batch, self.summary), []
        if batch:
            self._write_batch(batch)
        # The comments read so far: their posts were in this batch or an earlier one.
        comments, self.comments = self.comments, []
        if comments:
            write_comments(comments, source=self.options.source, summary=self.summary)
        if self.progress:
            self.progress()

    def _write_batch(self, batch: list[PostRecord]) -> None:
        source = self.options.source
        rows = SourceKey.objects.filter(
            source=source, kind=SourceKey.Kind.POST, key__in=[r.key for r in batch]
        ).values_list("key", "object_id", "digest")
        known = {key: object_id for key, object_id, _ in rows}
        digests = {key: digest for key, _, digest in rows}
        adopted = self._adopt_legacy_keys([r for r in batch if r.key not in known])
        known |= adopted
        digests |= dict.fromkeys(adopted, "")
        alive = set(Post.all_kinds.filter(pk__in=known.values()).values_list("pk", flat=True))
        fresh = []
        for record in batch:
            if known.get(record.key) in alive and digests[record.key] == record.digest():
                self.summary.unchanged[_plural(record)] += 1  # as it was last time
                self._count_changes(record)
                with contextlib.suppress(ValidationError, ValueError, DatabaseError):
                    self._author_of(record)  # its author is still one who owns a post
            else:
                fresh.append(record)
        batch = fresh
        existing = Post.all_kinds.prefetch_related("tags", "bylines").in_bulk(
            [known[r.key] for r in batch if known.get(r.key) in alive]
        )
        new: list[tuple[PostRecord, Post, list[int]]] = []
        changed: list[tuple[PostRecord, Post, list[int]]] = []
        for record, body in zip(batch, self._bodies(batch), strict=True):
            post = existing.get(known.get(record.key))
            try:
                if isinstance(body, Exception):
                    raise ValueError(f"body could not be converted: {body!r}")
                built = self._build(record, post, body)
            except (ValidationError, ValueError, DatabaseError) as error:
                self.summary.skip("invalid item", f"{_describe(record)}: {_message(error)}")
                continue
            self._count_changes(record, body[4])
            self.pictures_elsewhere.update(pictures_elsewhere(body[1], self.shown_from))
            if built is None:  # same post; remember this version of the item
                self.summary.unchanged[_plural(record)] += 1
                SourceKey.objects.filter(
                    source=source, kind=SourceKey.Kind.POST, key=record.key
                ).update(digest=record.digest())
                continue
            (changed if post else new).append(built)
        self._assign_slugs(new)
        with transaction.atomic():
            created = self._write(new, create=True)
            updated = self._write(changed, create=False)
        self.summary.created.update(_plural(record) for record, _, _ in created)
        self.summary.updated.update(_plural(record) for record, _, _ in updated)
        reset_queries()  # with DEBUG on, Django keeps every query: bounded memory anyway

    def _adopt_legacy_keys(self, records: list[PostRecord]) -> dict[str, int]:
        """Posts an earlier version imported under their GUID (before keys were site and
        post id): re-keyed, so re-running that file updates them instead of copying.
        Only when the post is the same item: same slug and same date, since GUIDs repeat
        across sites (`http://localhost/?p=1`)."""
        by_legacy = {r.legacy_key: r for r in records if r.legacy_key}
        if not by_legacy:
            return {}
        legacy = SourceKey.objects.filter(
            source=self.options.source, kind=SourceKey.Kind.POST, key__in=by_legacy
        )
        posts = Post.all_kinds.in_bulk([row.object_id for row in legacy])
        adopted = {}
        for row in legacy:
            record, post = by_legacy[row.key], posts.get(row.object_id)
            same_item = (
                post is not None
                and (post.created_at == record.created_at)
                and (post.slug == _ascii_slug(record.slug) or not record.slug)
            )
            if same_item:
                row.key, row.digest = record.key, ""
                row.save(update_fields=["key", "digest"])
                adopted[record.key] = post.pk
        return adopted

    def _count_changes(self, record: PostRecord, losses: Sequence[str] = ()) -> None:
        """Say, by reason, what the import changed or lost in this post: never silently."""
        for reason in record.adjustments:
            self.summary.adjust(reason)
        for loss in losses:
            self.summary.adjust(f"lost in conversion: {loss}", _describe(record))

    def _bodies(self, batch: list[PostRecord]) -> list[PreparedBody | Exception]:
        """Every body of the batch converted and rendered, by the pool when there is one."""
        args = ([r.body for r in batch], [r.body_format for r in batch])
        if self.pool is None or len(batch) < 20:
            return [prepare_body_or_error(*a) for a in zip(*args, strict=True)]
        chunk = max(1, len(batch) // (4 * self.options.workers))
        prepared = self.pool.map(prepare_body_or_error, *args, chunksize=chunk)
        return [rendered_here(body) for body in prepared]

    def _build(
        self, record: PostRecord, post: Post | None, body: PreparedBody
    ) -> tuple[PostRecord, Post, list[int]] | None:
        """The post `record` describes, filled and validated; None when nothing changed."""
        author_id = self._author_of(record)
        # The byline in order, each once: the lead, then the co-authors.
        byline = list(dict.fromkeys([author_id, *map(self._author_keyed, record.coauthor_keys)]))
        category_id = (
            self.terms.get(("category", record.category_key)) if record.category_key else None
        )
        tag_ids = sorted(
            {self.terms[("tag", k)] for k in record.tag_keys if ("tag", k) in self.terms}
        )
        source, html, minutes, derived_excerpt, _losses = body
        if len(source) > MAX_BODY_LENGTH:
            raise ValueError(f"body longer than {MAX_BODY_LENGTH} characters")
        published_at = record.published_at
        if record.status == Post.Status.PUBLISHED and published_at is None:
            published_at = timezone.now()
            if post is None:
                self.summary.adjust("published without a date: dated at the import time")
        values = {
            "title": record.title.strip(),
            "body": source,
            "body_html": html,
            "excerpt": record.excerpt.strip(),  # blank: derived from the body (`summary`)
            "reading_minutes": minutes,
            "status": record.status,
            "published_at": published_at,
            "expires_at": record.expires_at,
            "author_id": author_id,
            "category_id": category_id,
            "audience": record.audience,
            **self._seo(record),
        }
        if record.cover_image is not None:  # a source without pictures leaves them be
            values["cover_image_id"], values["social_image_id"] = record.image_ids
        if post is not None:
            same = all(getattr(post, k) == v for k, v in values.items())
            same = same and [row.user_id for row in post.bylines.all()] == byline
            if same and sorted(t.pk for t in post.tags.all()) == tag_ids:
                return None
        else:
            post = Post(kind=record.kind)  # a page (pages.Page) is a row of kind "page"
        for name, value in values.items():
            setattr(post, name, value)
        now = timezone.now()
        # Rendered above (in a worker process): the service's derive step reuses it.
        post.rendering = Rendering(html, True, derived_excerpt, source)
        post.updated_at = record.updated_at or now
        if post.pk is None:
            post.created_at = record.created_at or record.published_at or now
        post.clean_fields(exclude=["slug", "author", "category", "search_vector"])
        post.clean()
        post.import_byline = byline  # written with the post (`post_bulk_*`'s `author_ids`)
        return record, post, tag_ids

    def _seo(self, record: PostRecord) -> dict[str, str | bool]:
        """The record's SEO fields, checked: a canonical URL the site would refuse is
        dropped, a text longer than its column is shortened, each counted in `adjusted`
        (the post is imported all the same). Fields the source leaves out are blank."""
        values: dict[str, str | bool] = {name: "" for name in IMPORTED_SEO_FIELDS}
        values["noindex"] = bool(record.seo.get("noindex", False))
        for name in IMPORTED_SEO_FIELDS[:-1]:
            text = " ".join(str(record.seo.get(name) or "").split())
            limit = Post._meta.get_field(name).max_length
            if name == "canonical_url" and text:
                try:
                    validate_canonical_url(text)
                except ValidationError:
                    self.summary.adjust(
                        "canonical URL not a full http(s) address: dropped",
                        f"{_describe(record)}: {text[:100]!r}",
                    )
                    continue
            elif len(text) > limit:
                self.summary.adjust(
                    f"{name.replace('_', ' ')} over {limit} characters: shortened",
                    _describe(record),
                )
                text = text[: limit - 1].rstrip() + "…"
            values[name] = text
        return values

    def _author_of(self, record: PostRecord) -> int:
        """The user of the post's author, created now if this is their first post."""
        return self._author_keyed(record.author_key)

    def _author_keyed(self, key: str) -> int:
        """The user of the author `key` (the source's), created now if first seen."""
        key = key.strip() or "imported"
        if key not in self.users:
            author = self.pending_authors.get(key) or AuthorRecord(key=key, username=key)
            with transaction.atomic():  # an author the database refuses skips this post only
                self._author(author)
        return self.users[key]

    def _assign_slugs(self, new: list[tuple[PostRecord, Post, list[int]]]) -> None:
        """The source's slug when it is free and ASCII, else a free one from blog.slugs."""
        wanted = {
            id(post): _ascii_slug(record.slug) or _ascii_slug(record.title)
            for record, post, _ in new
        }
        taken = set(
            Post.all_kinds.filter(slug__in=[s for s in wanted.values() if s]).values_list(
                "slug", flat=True
            )
        )
        for record, post, _ in new:
            slug = wanted[id(post)]
            at_root = post.at_site_root and is_root_name(slug)  # a page named "feed"
            if not slug or slug in taken or slug in self.reserved_slugs or at_root:
                slug = unique_slug(post, slug or record.title, reserved=self.reserved_slugs)
                if record.slug:
                    self.summary.note(
                        f"slug {unquote(record.slug)!r} taken or not ASCII: imported as {slug!r}"
                    )
            post.slug = slug
            self.reserved_slugs.add(slug)

    def _write(self, rows: list[tuple[PostRecord, Post, list[int]]], *, create: bool) -> list:
        """Write `rows` in bulk; if the database refuses, row by row, skipping the bad ones."""
        if not rows:
            return []
        try:
            with transaction.atomic():
                self._write_rows(rows, create=create)
            return rows
        except DatabaseError:
            logger.info("batch refused by the database; retrying row by row")
        written = []
        for row in rows:
            try:
                with transaction.atomic():
                    self._write_rows([row], create=create)
                written.append(row)
            except DatabaseError as error:
                self.summary.skip("database refused", f"{_describe(row[0])}: {error}")
        return written

    def _write_rows(self, rows: list[tuple[PostRecord, Post, list[int]]], *, create: bool) -> None:
        posts = [post for _, post, _ in rows]
        tag_ids = [ids for _, _, ids in rows]
        # Old news is not announced again (`announced`); a scheduled post is announced
        # when it goes live. The source's own times are kept.
        author_ids = [post.import_byline for post in posts]
        kept = {"tag_ids": tag_ids, "author_ids": author_ids, "keep_times": True}
        if create:
            post_bulk_create(posts=posts, announced=True, **kept)
        else:
            post_bulk_update(posts=posts, fields=_POST_FIELDS, announced=True, **kept)
        SourceKey.objects.bulk_create(
            [
                SourceKey(
                    source=self.options.source,
                    kind=SourceKey.Kind.POST,
                    key=record.key,
                    object_id=post.pk,
                    digest=record.digest(),
                )
                for record, post, _ in rows
            ],
            update_conflicts=True,
            unique_fields=["source", "kind", "key"],
            update_fields=["object_id", "digest"],
        )
        if self.options.keep_permalinks:
            redirects.keep_post_addresses(
                (path, post.pk)
                for record, post, _ in rows
                for path in record.permalinks
                if path != post.get_absolute_url()  # a Ghost page at /about/ stays there
            )


def _image_origins() -> set[str]:
    """This site, the media host and `BROADSHEET_IMAGE_HOSTS`: the origins the CSP's
    `img-src` names (config/settings/base.py)."""
    origins = {site_origin(), settings.MEDIA_HOST, *settings.IMAGE_HOSTS}
    return {origin.lower() for origin in origins if origin}


def _user_stub(user_id: int | None):
    """A user object `image_create` can take, without reading the row."""
    return get_user_model()(pk=user_id) if user_id else None


def _plural(record: PostRecord) -> str:
    """The summary's row for the item: "posts" or "pages"."""
    return "pages" if record.kind == Post.Kind.PAGE else "posts"


def _last_of_each_key(batch: list[PostRecord], summary: Summary) -> list[PostRecord]:
    """An id twice in one file: the later item wins, the earlier one is reported."""
    by_key: dict[str, PostRecord] = {}
    for record in batch:
        if record.key in by_key:
            summary.skip("duplicate id in file", _describe(by_key[record.key]))
        by_key[record.key] = record
    return list(by_key.values())


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _ascii_slug(value: str) -> str:
    """A usable slug from a source slug or title: percent-decoded (WordPress writes a
    Cyrillic slug as `%d0%bf…`), then `blog.slugs`' rule."""
    return slug_from(unquote(value or ""))


def _known(source: str, kind: str, key: str, model) -> int | None:
    """The local id a source item became, if that object still exists."""
    object_id = (
        SourceKey.objects.filter(source=source, kind=kind, key=key)
        .values_list("object_id", flat=True)
        .first()
    )
    if object_id is not None and model._default_manager.filter(pk=object_id).exists():
        return object_id
    return None


def _remember(source: str, kind: str, key: str, object_id: int) -> None:
    SourceKey.objects.update_or_create(
        source=source, kind=kind, key=key, defaults={"object_id": object_id}
    )


def _all_roles() -> list[str]:
    from accounts.roles import ROLE_PERMISSIONS

    return list(ROLE_PERMISSIONS)


def _describe(record: Record) -> str:
    if isinstance(record, PostRecord):
        return f"post {record.key} ({record.title[:60]!r})"
    if isinstance(record, AuthorRecord):
        return f"author {record.key!r}"
    if isinstance(record, TermRecord):
        return f"{record.kind} {record.key!r}"
    if isinstance(record, ImageRecord):
        return f"image {record.key} ({record.alt_text[:60]!r})"
    return type(record).__name__


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
