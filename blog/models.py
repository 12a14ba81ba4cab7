"""Categories, tags, posts and daily reports.

`Post.objects.public()` is the one visibility rule of the whole site: a post is public iff
its status is published, its `published_at` has passed and its `expires_at` (if any) has
not. Pages, feeds, sitemaps, the API and tasks all call it; none re-states it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from . import redirects, search_sqlite
from .events import posts_touched
from .markdown import Rendering, excerpt_from, logged, reading_minutes, render
from .redirects import Redirect  # noqa: F401  (a model of this app)
from .seo import CANONICAL_MAX_LENGTH, validate_canonical_url
from .slugs import unique_slug

MAX_BODY_LENGTH = 200_000


class SluggedModel(models.Model):
    """A name with a unique slug made from it: categories and tags.

    A blank slug is made from the name (`blog.slugs.unique_slug`); a changed slug keeps
    the old address as a redirect (`blog.redirects`). Subclasses declare `name` and `slug`
    themselves (their lengths differ), so the base adds no column.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(self, self.name)
        moved_from = redirects.stored_path(self)
        super().save(*args, **kwargs)
        if moved_from:  # old links keep working (blog.redirects)
            redirects.record_move(moved_from, self.get_absolute_url())


class Category(SluggedModel):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True, blank=True)
    description = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:category", args=[self.slug])


class TagManager(models.Manager["Tag"]):
    def get_or_create_named(self, name: str) -> Tag:
        """The tag called `name` in any letter case, created if there is none.

        Safe under concurrency: two requests naming "Race" and "race" at once meet at the
        unique index on the lower-cased name, and the loser returns the winner's tag; a
        slug taken meanwhile by another name is picked again. Runs in a savepoint, so it
        can be called inside the caller's transaction.
        """
        for _attempt in range(5):
            existing = self.filter(name__iexact=name).first()
            if existing:
                return existing
            tag = self.model(name=name)
            try:
                with transaction.atomic():
                    tag.save()
                return tag
            except IntegrityError:
                continue  # someone else's tag (same name, or same slug): look again
        raise IntegrityError(f"could not create tag {name!r}")


class Tag(SluggedModel):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=80, unique=True, blank=True)

    objects = TagManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Race" and "race" are one tag, whoever creates them and however fast.
            models.UniqueConstraint(
                models.functions.Lower("name"),
                name="blog_tag_name_ci_unique",
                violation_error_message="A tag with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("blog:tag", args=[self.slug])


SEARCH_CONFIG = "english"  # PostgreSQL text-search configuration: stemming, stop words


def search_document() -> SearchVector:
    """What full-text search matches: the title first, then the summary (the written
    excerpt, or the start of the body), then the body, unless the post is for members
    only: search is the same for every reader, and a match on a word of a members-only
    body would tell anyone what the body says (`blog.audience`)."""
    searchable_body = Case(
        When(audience="members", then=Value("")),
        default=F("body"),
        output_field=models.TextField(),
    )
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(searchable_body, weight="C", config=SEARCH_CONFIG)
    )


def version_token(recorded_at: datetime | None) -> str:
    """A post's version from its `recorded_at` (when this site last wrote it, never
    backdated: an import keeps its source's `updated_at`): `Post.version`, the ETag, the
    lock token."""
    return str(int(recorded_at.timestamp() * 1_000_000)) if recorded_at else ""


def byline_prefetch() -> models.Prefetch:
    """A post's authors in order, with their users, into `byline_rows` (one query for a
    whole page of posts): `Post.authors_in_order` reads it."""
    return models.Prefetch(
        "bylines",
        queryset=PostAuthor.objects.select_related("user").order_by("position"),
        to_attr="byline_rows",
    )


def change_marker() -> Case:
    """The stored sync marker of a post in SQL, indexed: `Post.changed_at` before any
    expiry has passed (one rule, two spellings). An expired post is never in a reader's
    list: mirrors learn of its expiry from the tombstones (`blog.api.sync`)."""
    return Case(
        When(status="published", published_at__gt=F("recorded_at"), then=F("published_at")),
        default=F("recorded_at"),
    )


class PostQuerySet(models.QuerySet):
    def with_marker(self) -> PostQuerySet:
        """With `marker` (`Post.changed_at`) to filter and order syncing clients' pages by."""
        return self.alias(marker=change_marker())

    def touch(self, *, notify: bool = True) -> list[int]:
        """Move these posts' version and sync marker: something they show changed elsewhere.

        A tag renamed, a category edited, an author's new display name or a cover image's
        new alt text changes the representation of every post that shows it, so their ETag
        and the marker syncing clients follow must move too (`blog.signals`). Sends
        `posts_touched` (webhooks listen) unless `notify` is False.
        """
        ids = list(self.order_by().values_list("pk", flat=True))
        if ids:
            now = timezone.now()
            Post.all_kinds.filter(pk__in=ids).update(updated_at=now, recorded_at=now)
            if notify:
                posts_touched.send(sender=Post, post_ids=ids)
        return ids

    def index_for_search(self) -> None:
        """Bring these posts' full-text search entries in step with their columns: the
        PostgreSQL vector, or SQLite's FTS5 index (`blog.search_sqlite`)."""
        if connection.vendor == "postgresql":
            self.update(search_vector=search_document())
        elif connection.vendor == "sqlite":
            for post in self.only("title", "summary", "body", "audience"):
                search_sqlite.index_post(post)

    def public(self) -> PostQuerySet:
        """Posts any reader may see: published, `published_at` has passed, and
        `expires_at` (if set) has not: go-live and expiry need no job."""
        now = timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            status=Post.Status.PUBLISHED,
            published_at__lte=now,
        )

    def scheduled(self) -> PostQuerySet:
        """Published posts whose `published_at` is still ahead."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=timezone.now())

    def expiring(self) -> PostQuerySet:
        """Published posts whose `expires_at` is still ahead (public or scheduled)."""
        return self.filter(status=Post.Status.PUBLISHED, expires_at__gt=timezone.now())

    def expired(self) -> PostQuerySet:
        """Published posts whose `expires_at` has passed: hidden from readers."""
        return self.filter(status=Post.Status.PUBLISHED, expires_at__lte=timezone.now())

    def unretired(self) -> PostQuerySet:
        """Expired posts that were public first and whose leaving is not recorded yet: no
        tombstone since their expiry. The sweep retires them (`blog.sweep`); until then
        the API lists their tombstone from the post itself (`blog.api.sync`).

        Public first: known to have been (`first_public_at`), or saved as published
        before its expiry with a date before it (public between the two by the clock). A
        post published with an expiry already past was never public: no tombstone (its
        slug was never shown) and no go-live webhook for it."""
        recorded = PostTombstone.objects.filter(
            post_id=models.OuterRef("pk"), at__gte=models.OuterRef("expires_at")
        )
        # `recorded_at`, not `updated_at`: an imported post keeps its source's dates,
        # and was never public here if it came in expired.
        was_public = Q(first_public_at__isnull=False) | Q(recorded_at__lt=F("expires_at"))
        return self.expired().filter(
            was_public, ~models.Exists(recorded), published_at__lt=F("expires_at")
        )

    def by_author(self, user) -> PostQuerySet:
        """Posts `user` wrote: as the lead or as a co-author (`PostAuthor`). An `IN`
        over the user's few byline rows, so an OR with another filter stays one scan
        and no post comes twice."""
        bylines = PostAuthor.objects.filter(user=user).values("post_id")
        return self.filter(Q(author=user) | Q(pk__in=bylines))

    def drafts(self) -> PostQuerySet:
        return self.filter(status=Post.Status.DRAFT)

    def in_review(self) -> PostQuerySet:
        """Submitted by a writer, waiting for an editor. Never public."""
        return self.filter(status=Post.Status.REVIEW)

    def with_relations(self) -> PostQuerySet:
        """Author, co-authors (`Post.authors_in_order`), category, tags and cover image
        (with its renditions) fetched up front: a constant number of queries, however
        many posts."""
        return (
            self.select_related("author", "category", "cover_image")
            .prefetch_related("tags", "cover_image__renditions", byline_prefetch())
            .defer("search_vector")
            .order_by("-published_at", "-id")
        )

    def for_api(self) -> PostQuerySet:
        """What the API's representation reads (`blog.api.serializers.PostSerializer`):
        author, category, cover and social image (not their renditions), and the tags as a list in
        `api_tags`: a prefetch into a plain list skips the related manager and queryset
        Django builds per post otherwise (~2.5 ms of a 100-post page)."""
        return (
            self.select_related("author", "category", "cover_image", "social_image")
            .prefetch_related(models.Prefetch("tags", to_attr="api_tags"), byline_prefetch())
            .defer("search_vector")
            .order_by("-published_at", "-id")
        )

    def for_listing(self) -> PostQuerySet:
        """What list pages and feeds show: without the Markdown source."""
        return self.with_relations().defer("body", "search_vector")


class PostManager(models.Manager.from_queryset(PostQuerySet)):
    """`Post.objects`: posts only. Pages (`pages.Page`, rows of the same table with
    `kind="page"`) have a manager of their own; so every listing, feed, archive, count and
    API list of posts leaves pages out without saying so."""

    kind = "post"

    def get_queryset(self) -> PostQuerySet:
        return super().get_queryset().filter(kind=self.kind)


# The columns `PostQuerySet.public` reads besides an index's own: included in the indexes
# public listings walk, so that their deep pages are index-only scans.
PUBLIC_RULE_COLUMNS = ["kind", "status", "published_at", "expires_at"]


class Post(models.Model):
    class Kind(models.TextChoices):
        """Posts and pages share one table, one write service, one workflow (revisions,
        autosave, review, preview) and one visibility rule; only where they are listed
        differs (`PostManager`)."""

        POST = "post", "Post"
        PAGE = "page", "Page"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"

    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        MEMBERS = "members", "Members only"

    class State(models.TextChoices):
        """What writers and readers see: derived from status and published_at."""

        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        EXPIRED = "expired", "Expired"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=220, unique=True, blank=True, help_text="Left blank, made from the title."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    # The one place blog knows of the image library (the `images` app): a lazy reference,
    # so nothing in blog imports it. Readers see it on the post page, in listings, in
    # og:image / twitter:image, JSON-LD and feeds.
    cover_image = models.ForeignKey(
        "images.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Shown at the top of the post, in listings and when the post is shared.",
    )
    # What the writer typed, as typed: blank means "take it from the body", on every save.
    excerpt = models.TextField(
        blank=True,
        max_length=500,
        help_text="Left blank, taken from the start of the body (and kept up to date with it).",
    )
    # What readers get (meta description, social cards, JSON-LD, listings, the API's
    # `excerpt`): the written excerpt, else the start of the current body (`derive`).
    summary = models.TextField(blank=True, editable=False, default="")
    body = models.TextField(max_length=MAX_BODY_LENGTH, help_text="Markdown.")
    body_html = models.TextField(editable=False, default="")
    reading_minutes = models.PositiveIntegerField(editable=False, default=1)
    # Search engines and social cards (`blog.seo`): blank means "as the post shows it".
    meta_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="The title in search results and the browser tab, as written (the site "
        "name is not added). Left blank: the post's title and the site name.",
    )
    meta_description = models.TextField(
        max_length=500,
        blank=True,
        help_text="The text under the title in search results. Left blank: the excerpt.",
    )
    canonical_url = models.CharField(
        max_length=CANONICAL_MAX_LENGTH,
        blank=True,
        validators=[validate_canonical_url],
        verbose_name="canonical URL",
        help_text="Where the original lives, when this post is a copy (another site is "
        "fine). Left blank: this post's own address.",
    )
    social_title = models.CharField(
        max_length=200,
        blank=True,
        help_text="The title of the card when the post is shared. Left blank: the post's title.",
    )
    social_description = models.TextField(
        max_length=500,
        blank=True,
        help_text="The card's text. Left blank: the meta description, else the excerpt.",
    )
    social_image = models.ForeignKey(
        "images.Image",  # lazy, as cover_image: blog imports nothing of `images`
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The card's picture. Left blank: the cover image.",
    )
    noindex = models.BooleanField(
        default=False,
        verbose_name="hide from search engines",
        help_text="Asks search engines not to list this post and leaves it out of the "
        "sitemap. Readers still find it on the site and in its feeds.",
    )
    # Who reads the body (`blog.audience`): listing stays `public()`'s alone.
    audience = models.CharField(
        max_length=10,
        choices=Audience.choices,
        default=Audience.EVERYONE,
        help_text="Members only: others see the title, the excerpt and an invitation to "
        "sign up, in pages, feeds and the API.",
    )
    # E-mailed to this newsletter's members when the post goes public, once ever (the
    # `newsletters` app; a lazy reference, as cover_image: blog imports nothing of it).
    newsletter = models.ForeignKey(
        "newsletters.Newsletter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Send the post to this newsletter's members when it goes public (at "
        "once, or at its scheduled time). A post is e-mailed at most once.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=False
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the post goes public. In the future, the post is scheduled.",
    )
    # Readers stop seeing the post at this time (`PostQuerySet.public`): no job needed.
    expires_at = models.DateTimeField(
        "expires at",
        null=True,
        blank=True,
        help_text="Optional: when the post leaves public view (an embargo ends, an offer is over).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the post was last edited, as its source says for an import
    # (`blog.services.post_bulk_create(keep_times=True)`): shown, never a version.
    updated_at = models.DateTimeField(auto_now=True)
    # When this site last wrote the post, never backdated: what syncing clients follow
    # (`changed_at`, cursor pages, ?updated_after=, a list's Last-Modified). An imported
    # post keeps its source's `updated_at` and is recorded now, so a client that synced
    # before the import finds it.
    # (The database default serves only code that predates the column: migration 0017.)
    recorded_at = models.DateTimeField(auto_now=True, db_default=Now())
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # An editor's note when returning a post in review to its writer; cleared on submit.
    review_note = models.TextField(blank=True, max_length=2000, editable=False)
    # First time the post was public: only such posts keep their old slugs as redirects.
    first_public_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set by the publish sweep once this post's go-live side effects have run.
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Maintained by save() on PostgreSQL; GIN-indexed by migration 0002.
    search_vector = SearchVectorField(null=True, editable=False)

    # Set once, at creation; never changed by an edit (a page is not turned into a post).
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.POST, editable=False)

    objects = PostManager()
    # Every row, posts and pages: for writes and bookkeeping that don't care which (the
    # write service's row lock, snapshots, revisions, the sweep's claims).
    all_kinds = PostQuerySet.as_manager()

    # The body's rendering, when a form or serializer already made it to validate the
    # body (`blog.markdown.validate_renderable`): the next save() stores it rather than
    # render the same body again. Not a column; used once, and only for the same body.
    rendering: Rendering | None = None
    # The stored row before this write, when the caller read it already (`blog.services`
    # reads it under a row lock): save() then does not read it again. Used once.
    stored_row: PostSnapshot | None = None

    # Columns save() derives from others: a save limited to `update_fields` (the API's
    # PATCH) writes the derived columns of the fields it names, and `updated_at`.
    DERIVED_FIELDS = {
        "body": ("body_html", "reading_minutes", "summary"),
        "excerpt": ("summary",),
        "status": ("published_at", "announced_at", "first_public_at"),
        "published_at": ("announced_at", "first_public_at"),
        "expires_at": ("announced_at", "first_public_at"),
    }

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # With the id, deep pages' keys come from an index-only scan (pagecache/paginator.py):
            # every index a public listing walks holds what the visibility rule reads
            # (`PUBLIC_RULE_COLUMNS`: the kind and the expiry too), or PostgreSQL reads the
            # table for each key (a middle page at 100,000 posts: 12 ms -> 130 ms).
            models.Index(
                fields=["status", "-published_at", "-id"],
                include=["kind", "expires_at"],
                name="post_status_published_idx",
            ),
            # Archives by author and by category, newest first; with the id, a page's keys
            # come from an index-only scan.
            models.Index(
                fields=["author", "status", "-published_at", "-id"],
                include=["kind", "expires_at"],
                name="post_author_status_idx",
            ),
            models.Index(
                fields=["category", "status", "-published_at", "-id"],
                include=["kind", "expires_at"],
                name="post_category_status_idx",
            ),
            # Editors list every post newest first, without a status filter (API, admin).
            models.Index(fields=["-published_at", "-id"], name="post_newest_idx"),
            # The API's other orderings, for readers and editors alike, ties broken by the
            # id (api/params.py); status and published_at included, so readers' deep
            # pages filter public posts without reading the table.
            models.Index(
                fields=["created_at", "id"],
                include=PUBLIC_RULE_COLUMNS,
                name="post_created_idx",
            ),
            models.Index(
                fields=["title", "id"], include=PUBLIC_RULE_COLUMNS, name="post_title_idx"
            ),
            # Sitemaps' lastmod without a scan; ?ordering=updated_at.
            models.Index(
                fields=["updated_at", "id"],
                include=[*PUBLIC_RULE_COLUMNS, "first_public_at"],
                name="post_updated_idx",
            ),
            # A list's Last-Modified (`blog.api.views._posts_changed_at`) without a scan.
            models.Index(
                fields=["recorded_at", "id"],
                include=[*PUBLIC_RULE_COLUMNS, "first_public_at"],
                name="post_recorded_idx",
            ),
            # Syncing clients' cursor pages and ?updated_after=, in marker order.
            models.Index(change_marker(), "id", name="post_changed_idx"),
            # The sitemap's posts (published, not hidden from search engines), newest
            # first: its pages' keys still come from an index-only scan.
            models.Index(
                fields=["-published_at", "-id"],
                include=["expires_at"],
                condition=models.Q(kind="post", status="published", noindex=False),
                name="post_sitemap_idx",
            ),
            # Pages (`pages.Page`: a few rows among the posts), by slug: the sitemap's
            # pages section and the pages' API without a scan of every post.
            models.Index(fields=["slug"], condition=Q(kind="page"), name="page_slug_idx"),
            # The next expiry (cache lifetimes) and expired posts (sweep, tombstones):
            # only the few posts with an expiry are in it.
            models.Index(
                fields=["expires_at", "id"],
                condition=Q(expires_at__isnull=False),
                name="post_expires_idx",
            ),
        ]
        permissions = [
            ("publish_post", "Can publish and schedule posts"),
            ("edit_any_post", "Can see and edit posts of any author"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        """Save the row with its derived columns in step (`derive`), and its search entry.

        A write with side effects (caches, webhooks, revisions, tombstones) goes through
        `blog.services`, which sends the domain events; a bare save() from the shell
        keeps the row consistent but sends none.
        """
        stored, self.stored_row = self.stored_row, None
        if stored is None and self.pk:
            stored = PostSnapshot.read(self.pk)
        update_fields = kwargs.get("update_fields")
        self.derive(stored=stored, body_changed=update_fields is None or "body" in update_fields)
        if update_fields is not None:
            named = set(update_fields)
            derived = {d for field in named for d in self.DERIVED_FIELDS.get(field, ())}
            # The sync bookkeeping too: derive() may set them whatever field is named.
            always = {"updated_at", "recorded_at", "announced_at", "first_public_at"}
            kwargs["update_fields"] = sorted(named | derived | always)
        moved_from = stored.seen_path_if_moved(self.slug) if stored else None
        self._save_with_unique_slug(*args, **kwargs)
        if moved_from:  # readers' old links keep working (blog.redirects)
            redirects.record_move(moved_from, self.get_absolute_url())
        if connection.vendor == "sqlite":
            search_sqlite.index_post(self)  # the words are in hand: no read
        else:
            Post.all_kinds.filter(pk=self.pk).index_for_search()

    def get_absolute_url(self) -> str:
        # A row read with `only()` and no `kind` is a post (`Post.objects` lists posts
        # only): no query to load it. Read pages from `all_kinds` with their `kind`.
        if "kind" not in self.get_deferred_fields() and self.kind == Post.Kind.PAGE:
            return reverse("pages:page", args=[self.slug])  # at the site root (the pages app)
        return reverse("blog:post", args=[self.slug])

    @property
    def at_site_root(self) -> bool:
        """A page lives at `/<slug>/`: its slug may not be a name the site's routes use
        (`blog.slugs.root_names`)."""
        return self.kind == Post.Kind.PAGE

    def derive(self, *, stored: PostSnapshot | None, body_changed: bool = True) -> None:
        """Set the columns derived from the others: the one place for each rule.

        Rendered HTML and reading time from the body; the summary readers see from the
        written excerpt, or from the current body when it is blank; the publication time of a
        post published without one; `first_public_at` once it is public; `announced_at`
        cleared while hidden, and the database's bookkeeping (`stored`, the row before
        this write) kept over a stale copy. `save()` and the bulk path
        (`blog.services.post_bulk_create`) both call it, so no writer can drift.
        """
        if stored is not None:
            # Bookkeeping the database owns (the sweep writes it): a copy read earlier
            # must not undo it.
            self.announced_at = stored.announced_at
            self.first_public_at = stored.first_public_at
            if stored.is_public and self.first_public_at is None:  # went live by the clock
                self.first_public_at = stored.published_at
        # The body is rendered once per write, inside one budget (excerpt included), and
        # not at all by a save limited to fields other than the body (a title PATCH).
        derived = None
        if body_changed:
            rendering = self._body_rendering()
            self.body_html, derived = rendering.html, rendering.excerpt
            self.reading_minutes = reading_minutes(self.body)
        # The written excerpt is never filled in: a blank one stays blank, so the summary
        # follows the body through every later edit.
        written = self.excerpt.strip()
        self.summary = written or (derived if derived is not None else excerpt_from(self.body_html))
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.is_public and self.first_public_at is None:
            self.first_public_at = self.published_at
        if not self.is_public:
            # Hidden again (draft, moved to a later time, expired): announce again on
            # go-live. Its leaving is recorded by the tombstone (`blog.sweep`).
            self.announced_at = None

    @property
    def changed_at(self):
        """The sync marker: when what readers see of this post last changed, or will.

        The later of `recorded_at` (the last write here; an import's source times are
        kept in `updated_at`) and, for a published post, `published_at`: a scheduled
        post's marker is its go-live, so a crawl in marker order meets it when it goes
        public, with no job run. `change_marker()` is the same rule in SQL. Once an
        expiry has passed, the marker is (at least) the expiry: what readers see of the
        post changed then (its tombstone, `blog.api.sync`, carries the same time).
        """
        if self.status == self.Status.PUBLISHED and self.published_at and self.recorded_at:
            marker = max(self.recorded_at, self.published_at)
            if self.expires_at is not None and self.expires_at <= timezone.now():
                marker = max(marker, self.expires_at)
            return marker
        return self.recorded_at

    @cached_property
    def clock_state(self) -> str:
        """`state` when the clock will change it or has (scheduled, expired), else "":
        part of the API's ETag, since a go-live or an expiry changes `state` with no
        write (`api.conditional`). Kept from its first reading, like `last_modified`: a
        response's tag and date agree, read before its body (`blog.api.views`)."""
        state = self.state
        return state if state in (self.State.SCHEDULED, self.State.EXPIRED) else ""

    @cached_property
    def last_modified(self) -> datetime:
        """When what the API shows of this post last changed: its last write here, or a
        go-live or expiry passed since (`state` changes then). The API's Last-Modified."""
        moments = [self.recorded_at]
        if self.status == self.Status.PUBLISHED:
            now = timezone.now()
            moments += [t for t in (self.published_at, self.expires_at) if t and t <= now]
        return max(moments)

    @property
    def state(self) -> str:
        if self.status == self.Status.REVIEW:
            return self.State.IN_REVIEW
        if self.status != self.Status.PUBLISHED or self.published_at is None:
            return self.State.DRAFT
        now = timezone.now()
        if self.published_at > now:
            return self.State.SCHEDULED
        if self.expires_at is not None and self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.PUBLISHED

    @property
    def version(self) -> str:
        """Optimistic-locking token (admin form, API ETag / If-Match): changes on every
        write here, imports included (`recorded_at`). An unsaved post has none (its
        `recorded_at` is still the database's default)."""
        recorded = self.recorded_at
        return version_token(recorded) if isinstance(recorded, datetime) else ""

    @property
    def is_public(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def authors_in_order(self) -> list:
        """Every author, the lead (`author`) first: the byline's order.

        From `byline_rows` when prefetched (`byline_prefetch`), else one query; a post
        with no rows (saved bare, outside `blog.services`) has its lead alone.
        """
        rows = getattr(self, "byline_rows", None)
        if rows is None:
            rows = list(self.bylines.select_related("user").order_by("position")) if self.pk else []
        users = [row.user for row in rows]
        if self.author_id and (not users or users[0].pk != self.author_id):
            users = [self.author, *(user for user in users if user.pk != self.author_id)]
        return users

    def is_listed_author(self, user) -> bool:
        """Is `user` one of this post's authors (the lead or a co-author)?"""
        if not getattr(user, "pk", None):
            return False
        if self.author_id == user.pk:
            return True
        rows = getattr(self, "byline_rows", None)
        if rows is not None:
            return any(row.user_id == user.pk for row in rows)
        return bool(self.pk) and self.bylines.filter(user_id=user.pk).exists()

    def clean(self) -> None:
        if not self.title.strip():
            raise ValidationError({"title": "A post needs a title."})
        if error := expiry_error(self.published_at, self.expires_at):
            raise ValidationError({"expires_at": error})

    def _body_rendering(self) -> Rendering:
        given, self.rendering = self.rendering, None
        if given is not None and given.source == self.body:
            return given
        return logged(render(self.body))

    def _save_with_unique_slug(self, *args, **kwargs) -> None:
        if self.slug:
            super().save(*args, **kwargs)
            return
        # Two saves of the same title at once may pick the same slug: the unique index
        # refuses the second one, which then picks the next free slug.
        for _attempt in range(5):
            self.slug = unique_slug(self, self.title)
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                if not Post.all_kinds.filter(slug=self.slug).exclude(pk=self.pk).exists():
                    raise
        raise IntegrityError(f"could not find a free slug for {self.title!r}")


def expiry_error(published_at: datetime | None, expires_at: datetime | None) -> str | None:
    """Why `expires_at` cannot be this post's expiry (None: it can): the form's, the API's
    and the model's one message."""
    if expires_at is not None and published_at is not None and expires_at <= published_at:
        return "The expiry must be after the publication time."
    return None


class PostAuthor(models.Model):
    """One author of a post, in byline order: the lead (`Post.author`) at position 0.

    Kept in step with `Post.author` by `blog.services` (every create, update and bulk
    write), the one writer of these rows.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bylines")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bylines"
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="postauthor_once"),
            models.UniqueConstraint(fields=["post", "position"], name="postauthor_position"),
        ]
        indexes = [models.Index(fields=["user", "post"], name="postauthor_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} on post {self.post_id} (#{self.position})"


class PostSnapshot(NamedTuple):
    """A post's stored row as a write found it: what the write's rules and its events'
    listeners need to know of "before" (was it public, announced, under which slug)."""

    id: int
    slug: str
    status: str
    published_at: datetime | None
    first_public_at: datetime | None
    announced_at: datetime | None
    expires_at: datetime | None = None
    author_id: int | None = None
    kind: str = "post"

    FIELDS = (
        "id", "slug", "status", "published_at", "first_public_at", "announced_at",
        "expires_at", "author_id", "kind",
    )  # fmt: skip

    @classmethod
    def of(cls, post: Post) -> PostSnapshot:
        return cls(*(getattr(post, name) for name in cls.FIELDS))

    @classmethod
    def read(cls, post_id: int) -> PostSnapshot | None:
        row = Post.all_kinds.filter(pk=post_id).values_list(*cls.FIELDS).first()
        return None if row is None else cls(*row)

    @property
    def is_public(self) -> bool:
        return self.as_post().is_public  # one rule

    @property
    def is_expired(self) -> bool:
        return self.as_post().state == Post.State.EXPIRED

    def as_post(self) -> Post:
        return Post(status=self.status, published_at=self.published_at, expires_at=self.expires_at)

    def seen_path_if_moved(self, slug: str) -> str | None:
        """The old address, if the slug changes and readers could ever have seen it."""
        if slug == self.slug or not (self.first_public_at or self.is_public):
            return None
        return Post(slug=self.slug, kind=self.kind).get_absolute_url()


class PostTombstone(models.Model):
    """A post that left public view, so that mirrors can drop it: one row per post.

    Written for every way a public post stops being public: a write that unpublishes it,
    clears its date or moves it into the future (`post_unpublished`), its expiry (the
    sweep's `post_expired`, stamped with `expires_at`; until the sweep comes by, the API
    lists it from the post itself: `blog.api.sync`), and its deletion (`post_deleted`),
    also after it was unpublished; `blog.signals` listens to them.
    Never for a post that was never public. `slug` is the last one readers saw; `at`
    when it left. The API lists them at `/api/posts/tombstones/`, leaving out posts that
    are public again (blog.api.sync).
    """

    class Reason(models.TextChoices):
        DELETED = "deleted"
        UNPUBLISHED = "unpublished"
        EXPIRED = "expired"

    post_id = models.BigIntegerField(unique=True)
    slug = models.SlugField(max_length=220)
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.DELETED)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "post_id"]
        indexes = [models.Index(fields=["at", "post_id"], name="tombstone_at_idx")]

    def __str__(self) -> str:
        return f"Post {self.post_id} ({self.slug}) {self.reason}"

    @classmethod
    def record(cls, *, post_id: int, slug: str, reason: str, at: datetime | None = None) -> None:
        """Post `post_id` left public view now, or `at` (its expiry), again or for good."""
        cls.objects.update_or_create(
            post_id=post_id, defaults={"slug": slug, "reason": reason, "at": at or timezone.now()}
        )


class Report(models.Model):
    """One row per day: what was published, scheduled and drafted, by whom, where."""

    day = models.DateField(unique=True)
    published_count = models.PositiveIntegerField(default=0)
    scheduled_count = models.PositiveIntegerField(default=0)
    draft_count = models.PositiveIntegerField(default=0)
    new_users_count = models.PositiveIntegerField(default=0)
    per_category = models.JSONField(default=dict, blank=True)
    per_author = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(default=timezone.now)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Report for {self.day:%Y-%m-%d}"
