"""Old addresses that moved: a path → path table, answered with 301 on what would be a 404.

Generic on purpose (importers reuse it for old permalinks): `old_path` is any local path,
`new_path` where it lives now. Kept in `blog`, not in an app of its own, because slug
generation (`blog.slugs`) must see the reserved old slugs: a new post, category or tag
never takes an address that still leads somewhere else.

- `record_move(old, new)`: remember a move; chains collapse (a → b, then b → c makes
  a → c and b → c), and moving back to an old address frees it.
- A post's old slug is kept only if readers could ever have seen it; categories' and
  tags' always (their pages are always public).
- `RedirectFallbackMiddleware` looks up a 404's path (and its parent paths, so a moved
  category's feed follows it): one query, on 404 responses only.
- A redirect to a post page is followed only for a visitor who may see that post
  (`target_visible`): a post unpublished and then renamed must not tell anyone its new
  slug, so its old address stays a 404 until the post is public again.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils import timezone


class Redirect(models.Model):
    old_path = models.CharField(max_length=500, unique=True)
    new_path = models.CharField(max_length=500, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "blog"
        ordering = ["old_path"]

    def __str__(self) -> str:
        return f"{self.old_path} → {self.new_path}"


def record_move(old_path: str, new_path: str) -> None:
    if old_path == new_path:
        return
    Redirect.objects.filter(old_path=new_path).delete()  # the address is live again
    Redirect.objects.filter(new_path=old_path).update(new_path=new_path)  # collapse chains
    Redirect.objects.update_or_create(old_path=old_path, defaults={"new_path": new_path})


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
    if instance.pk and instance.slug:
        moved = moved.exclude(new_path=instance.get_absolute_url())  # its own old slugs
    return {
        path[len(parent) :].strip("/")
        for path in moved.values_list("old_path", flat=True)
        if path.count("/") == prefix.count("/") + 1
    }


def is_reserved(instance: models.Model, slug: str) -> bool:
    return slug in reserved_slugs(instance, slug)


def new_slug_for(url_name: str, slug: str) -> str | None:
    """Where `slug` of the page named `url_name` moved to (for the API's by-slug), or None."""
    from django.urls import NoReverseMatch, reverse

    try:
        old_path = reverse(url_name, args=[slug])
    except NoReverseMatch:  # not a slug that page could ever have had
        return None
    found = Redirect.objects.filter(old_path=old_path).first()
    if found is None:
        return None
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
        return True  # not one of ours to judge (an importer's target, say)
    if match.view_name != "blog:post":
        return True
    from .permissions import visible_posts  # it imports the models, which import this

    return visible_posts(user).filter(slug=match.kwargs.get("slug")).exists()


def _parents(path: str) -> list[str]:
    """ "/category/a/feed/" → ["/category/a/feed/", "/category/a/", "/category/"]."""
    parts = [p for p in path.split("/") if p][:8]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(len(parts), 0, -1)]


class RedirectFallbackMiddleware:
    """301 from a moved address to where it lives now; only ever looks at 404s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if response.status_code != 404 or len(path) > 500 or not path.isprintable():
            return response  # a NUL byte (say) never reaches PostgreSQL
        candidates = _parents(request.path)
        found = {r.old_path: r.new_path for r in Redirect.objects.filter(old_path__in=candidates)}
        for candidate in candidates:  # the longest match wins
            if candidate in found:
                user = getattr(request, "user", None) or AnonymousUser()
                if not target_visible(user, found[candidate]):
                    return response  # a hidden post: its new slug is no one else's business
                target = found[candidate] + request.path[len(candidate) :]
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(target + (f"?{query}" if query else ""))
        return response
