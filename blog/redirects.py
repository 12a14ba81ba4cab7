"""Old addresses that moved: one table, answered with 301 where the site would say 404.

Every moved address lives here, whoever moved it: a renamed post, category or tag (the
models' saves call `record_move`), and the old permalinks of imported posts (`transfer`
calls `keep_post_addresses`; WordPress's `/YYYY/MM/DD/slug/` and `/?p=ID`, Ghost's
`/slug/`). Kept in `blog`, not in an app of its own, because slug generation
(`blog.slugs`) must see the reserved old slugs: a new post, category or tag never takes an
address that still leads somewhere else.

A row leads either to a path (`new_path`) or to a post (`post`), as Wagtail's redirects
lead to a link or a page: a path for a renamed slug, whose chain collapses when it moves
again; a post for an imported permalink, which then follows every later rename of the
post, seen by readers or not, and goes with the post when it is deleted.

Written here rather than taken from `django.contrib.redirects`, whose middleware shape
(look only at 404s) this keeps: that app needs `django.contrib.sites`, matches exact
paths only (a moved category's feed would not follow), cannot lead to a post whatever
its later slug, and answers everyone alike, so a redirect to a hidden post would tell its
new slug.

- `record_move(old, new)`: remember a move; chains collapse (a → b, then b → c makes
  a → c and b → c), and moving back to an old address frees it.
- A post's old slug is kept only if readers could ever have seen it; categories' and
  tags' always (their pages are always public).
- `RedirectFallbackMiddleware` looks up a 404's path (and its parent paths, so a moved
  category's feed follows it): one query, on 404 responses only. The one exception is
  WordPress's `?p=ID` (and `?page_id=ID`), looked up before the view, since the home page
  would answer it.
- A redirect to a post page is followed only for a visitor who may see that post
  (`blog.permissions.visible_posts`): a post unpublished and then renamed, or an imported
  draft, must not tell anyone its slug, so its old address stays what it would be
  without the redirect (a 404, or the home page for `/?p=ID`) until the post is public.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone

MAX_PATH = 500
_POST_ID = re.compile(r"[0-9]{1,18}")  # WordPress's `?p=ID`; longer is no id of any post


class Redirect(models.Model):
    """`old_path` answers 301 to `new_path`, or to `post`'s address of the moment."""

    old_path = models.CharField(max_length=MAX_PATH, unique=True)
    new_path = models.CharField(
        max_length=MAX_PATH, db_index=True, blank=True, help_text="Blank when it leads to a post."
    )
    post = models.ForeignKey(
        "blog.Post",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Follows the post's later renames (imported permalinks).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "blog"
        ordering = ["old_path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(post__isnull=True) & ~models.Q(new_path="")
                | models.Q(post__isnull=False, new_path=""),
                name="blog_redirect_one_target",
                violation_error_message="Give either a new path or a post, not both.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path or f'post {self.post_id}'}"


def record_move(old_path: str, new_path: str) -> None:
    """Old links to `old_path` lead to `new_path` from now on, in one hop whatever came
    before; a row that led from `new_path` goes, since that address is in use again."""
    if old_path == new_path:
        return
    Redirect.objects.filter(old_path=new_path).delete()  # the address is live again
    Redirect.objects.filter(new_path=old_path).update(new_path=new_path)  # collapse chains
    Redirect.objects.update_or_create(
        old_path=old_path, defaults={"new_path": new_path, "post": None}
    )


def keep_post_addresses(addresses: Iterable[tuple[str, int]]) -> None:
    """Old `(path, post id)` pairs (an importer's permalinks) lead to those posts from now on.

    A path already kept is pointed at the new post (a re-import wins). Paths longer than a
    row holds, or with control characters, are left out: the middleware never looks such
    a request up (and PostgreSQL refuses a NUL in a string).
    """
    rows = {
        path: post_id for path, post_id in addresses if len(path) <= MAX_PATH and path.isprintable()
    }
    Redirect.objects.bulk_create(
        [Redirect(old_path=path, post_id=post_id) for path, post_id in rows.items()],
        update_conflicts=True,
        unique_fields=["old_path"],
        update_fields=["post", "new_path"],
    )


def stored_path(instance: models.Model, *, only_if_seen: bool = False) -> str | None:
    """The address `instance` has in the database, if its slug is about to change.

    With `only_if_seen` (posts), None unless readers could ever have seen it there.
    """
    if not instance.pk:
        return None
    model = type(instance)
    fields = ["slug", "status", "published_at", "first_public_at"] if only_if_seen else ["slug"]
    row = model._default_manager.filter(pk=instance.pk).values(*fields).first()
    if row is None or row["slug"] == instance.slug:
        return None
    if only_if_seen:
        when = row["published_at"]
        public_now = row["status"] == "published" and when is not None and when <= timezone.now()
        if not (row["first_public_at"] or public_now):
            return None
    return model(slug=row["slug"]).get_absolute_url()


def reserved_slugs(instance: models.Model, base: str) -> set[str]:
    """Slugs starting with `base` that old links of `instance`'s model still use."""
    model = type(instance)
    prefix = model(slug=base).get_absolute_url().rstrip("/")
    parent = prefix[: -len(base)]
    moved = Redirect.objects.filter(old_path__startswith=prefix)
    if instance.pk and instance.slug:  # its own old slugs (and permalinks) are its own
        own = models.Q(new_path=instance.get_absolute_url())
        if model is Redirect._meta.get_field("post").related_model:
            own |= models.Q(post_id=instance.pk)
        moved = moved.exclude(own)
    return {
        path[len(parent) :].strip("/")
        for path in moved.values_list("old_path", flat=True)
        if path.count("/") == prefix.count("/") + 1
    }


def is_reserved(instance: models.Model, slug: str) -> bool:
    return slug in reserved_slugs(instance, slug)


def new_slug_for(url_name: str, slug: str) -> str | None:
    """Where `slug` of the page named `url_name` moved to (for the API's by-slug), or None.

    The caller decides whether its user may see what lives there.
    """
    try:
        old_path = reverse(url_name, args=[slug])
    except NoReverseMatch:  # not a slug that page could ever have had
        return None
    found = Redirect.objects.filter(old_path=old_path).select_related("post").first()
    if found is None:
        return None
    if found.post is not None:
        return found.post.slug if url_name == "blog:post" else None
    try:
        return resolve(found.new_path).kwargs.get("slug")
    except Resolver404:
        return None


def target_visible(user, path: str) -> bool:
    """Whether `user` may follow a redirect to `path`: any page but a post's, or a post
    page `user` may see (`blog.permissions.visible_posts`)."""
    try:
        match = resolve(path)
    except Resolver404:
        return True  # not one of ours to judge
    if match.view_name not in ("blog:post", "pages:page"):
        return True
    from .models import Post  # the models import this module
    from .permissions import visible_posts

    rows = Post.all_kinds.all()  # a page at /<slug>/ follows the posts' rule
    return visible_posts(user, rows).filter(slug=match.kwargs.get("slug")).exists()


def target_for(user, redirect: Redirect) -> str | None:
    """Where `redirect` leads for `user`; None where following it would reveal a post
    `user` may not see (its slug is then nobody else's business)."""
    if redirect.post_id is None:
        return redirect.new_path if target_visible(user, redirect.new_path) else None
    from .models import Post
    from .permissions import visible_posts

    rows = Post.all_kinds.all()  # an imported page's permalinks lead to it too
    post = visible_posts(user, rows).filter(pk=redirect.post_id).only("slug", "kind").first()
    return post.get_absolute_url() if post else None


def _parents(path: str) -> list[str]:
    """ "/category/a/feed/" → ["/category/a/feed/", "/category/a/", "/category/"]."""
    parts = [p for p in path.split("/") if p][:8]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


class RedirectFallbackMiddleware:
    """301 from a moved address to where it lives now; looks only at 404s and WordPress's
    `?p=ID` / `?page_id=ID`.

    Placed after `AuthenticationMiddleware`: whether a redirect may be followed depends
    on who asks.
    """

    # Read at `/` before its view and with any 404: nginx's micro-cache must key on them
    # (`pagecache.cache.query_parameters`), or `/?page_id=7` is served the home page.
    page_cache_query_parameters = frozenset({"p", "page_id"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # WordPress's plain permalinks, `?p=ID` (posts) and `?page_id=ID` (pages), on its
        # home: at `/` looked up before the view, since the home page would answer it;
        # under a folder (`/blog/?p=ID`, a site that lived there) with the 404's paths.
        plain = _plain_permalink(request)
        if plain and request.path == "/":
            found = Redirect.objects.filter(old_path=plain).first()
            target = found and target_for(_user(request), found)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        path = request.path
        if response.status_code != 404 or len(path) > MAX_PATH or not path.isprintable():
            return response  # a NUL byte (say) never reaches PostgreSQL
        candidates = _parents(path)
        looked_up = [plain, *candidates] if plain else candidates
        found = {r.old_path: r for r in Redirect.objects.filter(old_path__in=looked_up)}
        if plain in found:
            target = target_for(_user(request), found[plain])
            return HttpResponsePermanentRedirect(target) if target else response
        for candidate in candidates:  # the longest match wins
            if candidate in found:
                target = target_for(_user(request), found[candidate])
                if not target:
                    return response
                target += path[len(candidate) :]
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        return response


def _plain_permalink(request) -> str | None:
    """`<path>?p=ID` (or `?page_id=ID`) for a GET naming an id, as the importer stores a
    WordPress plain permalink; None otherwise."""
    name = "p" if "p" in request.GET else "page_id"
    old_post_id = request.GET.get(name, "")
    if request.method in ("GET", "HEAD") and _POST_ID.fullmatch(old_post_id):
        return f"{request.path}?{name}={int(old_post_id)}"
    return None


def _user(request):
    return getattr(request, "user", None) or AnonymousUser()
