"""Rendered pieces of reader pages, cached until what they show changes.

A page the page cache cannot answer (the first reader after a publish, a listing's page
nobody asked for in the last minute, a logged-in reader, a search) repeated work that no
request changes: every summary of a listing rendered again; the post page's neighbours
and related posts, three ranking queries, about 60% of an uncached post page under
cProfile. Each piece is now rendered once and cached (`pagecache.counts.read_cached`),
read together with the generations that retire it in one round trip:

- `post_summaries(posts)`: a listing's entries (home, archives, search) and the header's
  menu. An entry is cached per version of its post (`updated_at`), so a publish renders
  only the new post's; a change to a category, tag, tag list or image (what many posts
  show) retires them all (`pagecache.cache.invalidate_pages`, `shared`).
- `post_page(slug, request)`: a public post's head tags, article and previous / next /
  related links, with the slim row that decides who may see it (one entry), under the
  content generation (every save or delete bumps it) and until the next scheduled post
  goes public (the links name the public neighbours). A members-only post's entry holds
  its article twice: whole, and locked (title, byline, cover, excerpt and the sign-up
  call, no body: `blog.audience.may_read_body` picks one per request); and the pieces
  other apps add (`register_page_piece`: the comments), read in the same round trip.
- `listing_entries(cached, key, posts, page_obj)`: a listing page's entries as a whole,
  with its links to the pages around it, cached under the content generation, so that a
  cached listing page is one round trip: its count, its entries and the menu, read
  together by the view (`menu_key()`).
- `category_menu()`: the menu alone, for pages that read no other piece.

Cached at most `REMEMBER_SECONDS`: that bounds what no signal announces (a renamed
author). What is cached never depends on who asks: pieces hold only public posts' content
and no per-visitor markup (preview banners, the CSRF token, the login link are rendered
each time by the page around them), and keys name the site origin, from which their
absolute URLs come. A preview of a post readers cannot see is never cached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.paginator import Page
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from core.origin import site_origin, site_url
from core.sitevalues import site_values
from pagecache.counts import CachedValues, forget, read_cached, remember

from . import extras
from .audience import may_read_body
from .context_processors import site
from .markdown import nested_contents, table_of_contents
from .models import Post, PostQuerySet
from .permissions import can_view
from .selectors import adjacent_posts, busiest_categories, related_posts
from .seo import post_seo

MENU_KEY = "category-menu"
# The listing's columns `post_summaries` needs (a listing reads them, not its rows).
SUMMARY_KEYS = ("pk", "updated_at")
TOC_MIN_HEADINGS = 3  # fewer headings than this: the post is short enough to scroll


def _site() -> dict:
    """What every template gets from `blog.context_processors.site` (pieces are rendered
    without a request: nothing in them may depend on one)."""
    return site(None)


def _key(*parts: object) -> str:
    return ":".join(["fragment", site_origin(), *map(str, parts)])


def _absolute(url: str) -> str:
    """A media URL on the site's origin (storage such as S3 gives absolute ones)."""
    return url if "://" in url else site_url(url)


def post_summaries(
    posts: Iterable[Post | tuple[int, datetime]],
    extra_values: dict[int, dict] | None = None,
) -> tuple[list[SafeString], SafeString]:
    """Each post's listing entry (`blog/_post_summary.html`), in order, and the header's
    menu, in one round trip; the first entry's cover loads at once (it is usually in the
    first screen), the others' when scrolled to.

    `posts` are `(pk, updated_at)` pairs (`SUMMARY_KEYS` of a listing's rows: a row is
    read only for a summary not cached) or posts fetched `for_listing()`. A summary names
    the version of its post, so a publish retires none but the changed post's, and the
    values other apps show with it (`blog.extras`: a comment count, read here in one query
    unless `extra_values` has them), so a new comment re-renders that summary only.
    """
    posts = list(posts)
    given = {post.pk: post for post in posts if isinstance(post, Post)}
    pairs = [(post.pk, post.updated_at) if isinstance(post, Post) else post for post in posts]
    if extra_values is None:
        extra_values = extras.values_for(pk for pk, _ in pairs)
    keys = [
        _key("summary", pk, int(at.timestamp() * 1_000_000), extras.stamp(extra_values.get(pk)))
        for pk, at in pairs
    ]
    menu_key = _key(MENU_KEY)
    cached = read_cached([*keys, menu_key])
    fresh: dict[str, str] = {}
    missing = [
        (key, pk) for key, (pk, _) in zip(keys, pairs, strict=True) if key not in cached.values
    ]
    if missing:
        rows = dict(given)
        if unread := [pk for _, pk in missing if pk not in rows]:
            rows |= Post.all_kinds.for_listing().defer("body_html").in_bulk(unread)  # search: pages
        summary_extras = extras.summary_templates()
        for key, pk in missing:
            if pk in rows:  # else deleted meanwhile: left out
                extras.attach([rows[pk]], extra_values)
                context = _site() | {"post": rows[pk], "summary_extras": summary_extras}
                fresh[key] = render_to_string("blog/_post_summary.html", context)
        cached.store(fresh, versioned=True)
    if menu_key not in cached.values:
        fresh[menu_key] = _render_menu()
        cached.store({menu_key: fresh[menu_key]})
    found = cached.values | fresh
    summaries = [found[key] for key in keys if key in found]
    if summaries:
        # Cached lazy, like every entry after the first: its cover (the summary's only
        # image) switched to load at once.
        summaries[0] = summaries[0].replace(' loading="lazy"', ' loading="eager"', 1)
    return [mark_safe(html) for html in summaries], mark_safe(found[menu_key])  # noqa: S308


def menu_key() -> str:
    """The key the header's menu is cached under (to read it with a page's other values)."""
    return _key(MENU_KEY)


def entries_key(path: str, page: str) -> str:
    """The key a listing page's entries are cached under (with the site origin, as every
    piece's: their URLs come from it)."""
    return _key("listing", path, page)  # "entries" held a list before


def listing_entries(
    cached: CachedValues,
    key: str,
    posts: Callable[[], Iterable[tuple[int, datetime]]],
    page_obj: Page,
) -> tuple[list[SafeString], SafeString, SafeString]:
    """A listing page's entries, the menu and the page's links to the pages around it
    (`blog/_pagination.html`), from `cached` (read by the caller with `key` and
    `menu_key()`) or, when not cached, from `post_summaries(posts())`.

    The page's entries and links are cached together under `key` (its path and page),
    retired by any save: which posts a page holds, and how many pages there are, change
    with every publish. Each entry stays cached on its own too, per version of its post,
    so rebuilding the page after a publish renders only the new post's.

    With values other apps show with each post (`blog.extras`), the cached page keeps the
    values it was built with and the extras' versions read before them, and is served
    while those versions are current (a new comment replaces its extra's version: it does
    not wait for the next post save); an extra without a version costs a query for the
    page's posts before a kept page is served.
    """
    listing = cached.values.get(key)
    menu = cached.values.get(menu_key())
    versions = extras.versions(cached.raw)  # read with the page (`extras.version_keys`)
    if versions is None and extras.version_keys():
        versions = extras.ensure_versions()  # not set yet, or evicted: set, before values
    current = versions is not None and listing is not None and listing.get("versions") == versions
    if listing is not None and extras.registered() and not current:
        # Not built under the current versions (or an extra has none): its values read.
        ids = listing.get("ids")
        if ids is None or extras.values_for(ids) != listing.get("extras"):
            listing = None  # built with other counts: rebuilt (only changed summaries)
        elif versions is not None:  # still right: kept under the versions read before
            cached.bound_by_go_live()
            cached.store({key: listing | {"versions": versions}})
    if listing is None or menu is None:
        rows = list(posts())
        ids = [row[0] if isinstance(row, tuple) else row.pk for row in rows]
        values = extras.values_for(ids)
        summaries, menu = post_summaries(rows, values)
        pagination = render_to_string("blog/_pagination.html", {"page_obj": page_obj})
        entry = {"entries": [str(html) for html in summaries], "pagination": pagination}
        if extras.registered():
            entry |= {"ids": ids, "extras": values, "versions": versions}
        cached.bound_by_go_live()  # a page found but rebuilt: its read did not ask
        cached.store({key: entry})
    else:
        summaries, pagination = listing["entries"], listing["pagination"]
    safe = [mark_safe(html) for html in summaries]  # noqa: S308 - our templates
    return safe, mark_safe(menu), mark_safe(pagination)  # noqa: S308


PAGE_PIECES = ("head", "article", "links")
# A members-only post's article as readers who may not read its body get it.
LOCKED_ARTICLE = "article_locked"
# What the post page needs to know before it may show (and keep) a post, and which of
# its articles (`audience`).
VISIBILITY_FIELDS = (
    "id", "slug", "status", "published_at", "expires_at", "author_id", "audience",
)  # fmt: skip
# Pieces other apps add to the post page (the comments under it): name → render(row).
_added_pieces: dict[str, Callable[[Post], str]] = {}
# And the cache key of each one's version, by slug (`register_page_piece`).
_piece_versions: dict[str, Callable[[str], str]] = {}


def register_page_piece(
    name: str, render: Callable[[Post], str], *, version_key: Callable[[str], str] | None = None
) -> None:
    """Add a piece to every post page: `render(row)` (the slim row of `VISIBILITY_FIELDS`)
    returns its HTML as an anonymous reader sees it, kept with the page's own pieces and
    read in the same round trip, under the content generation; the app retires it for
    one post with `forget_page_piece` when what it shows changes. The page gets it as
    `pieces[name]` (per-visitor markup is the app's to render around it).

    `version_key(slug)`: a plain cache key whose value the app replaces (after its
    commit) whenever the piece changes. It is read in the same round trip, before the
    piece is rendered; the piece is kept with that value and shown only while it is still
    the current one. So a render that read the old data just before a change and stores
    its piece just after the app forgot the kept one leaves a piece no one is shown."""
    _added_pieces[name] = render
    if version_key is not None:
        _piece_versions[name] = version_key


def page_piece_key(name: str, slug: str) -> str:
    return _key("post-piece", name, slug)


def forget_page_piece(name: str, slug: str) -> None:
    """Retire one post's added piece `name` (its other pieces, and other posts', stay)."""
    forget([page_piece_key(name, slug)])


def post_page(slug: str, request) -> tuple[Post, dict[str, SafeString]] | None:
    """The post at `slug`, if `request`'s user may see it, and its page's pieces: `head`,
    `article` and `links` (`blog/_post_<piece>.html`) and the header's `menu`.

    A public post's pieces are cached as one entry with the slim row that decides who may
    see it (`blog.permissions.can_view` decides afresh on every request, against the
    clock), read with the menu in one round trip: a cached public post costs no query and
    one value to decode. The full post, with its author, category, tags and cover, is
    read only when its pieces are not cached. A preview's pieces are rendered every time
    and never cached; nothing is cached for a slug without a post.

    A members-only post's entry holds both of its articles; which one this reader gets
    is decided here on every request by the one body rule (`blog.audience`), so the
    cached entry is the same whoever filled it.
    """
    user = request.user
    page_key, menu_at = _key("post-page", slug), _key(MENU_KEY)
    added = {name: page_piece_key(name, slug) for name in _added_pieces}
    versions = {name: key(slug) for name, key in _piece_versions.items()}
    cached = read_cached([page_key, menu_at, *added.values()], raw=versions.values())
    page = cached.values.get(page_key)  # {"row": slim post, "head": …, "article": …, "links": …}
    menu = cached.values.get(menu_at)
    if page is not None:
        post = page["row"]
    else:
        post = Post.objects.only(*VISIBILITY_FIELDS).filter(slug=slug).first()
        if post is None:
            return None
    if not can_view(user, post):
        return None
    locked = not may_read_body(post, request)
    fresh: dict[str, object] = {}
    if page is None or not post.is_public or (locked and LOCKED_ARTICLE not in page):
        # Not cached, a preview, or an entry made before the post was members-only (an
        # entry outlives no save, but one kept across a deploy may): rendered anew.
        page = {"row": post, **_render_pieces(_for_page(Post.objects).get(pk=post.pk))}
        if post.is_public:
            fresh[page_key] = page
    if menu is None:
        menu = fresh[menu_at] = _render_menu()
    extras = {}
    for name, key in added.items():
        kept = cached.values.get(key) if post.is_public else None
        if name in versions:  # kept as (version, html): shown while the version is current
            current = cached.raw.get(versions[name])
            kept = kept[1] if isinstance(kept, tuple) and kept[0] == current else None
        extras[name] = kept
        if extras[name] is None:
            extras[name] = _added_pieces[name](post)
            if post.is_public:
                fresh[key] = (current, extras[name]) if name in versions else extras[name]
    cached.store(fresh)
    pieces = {piece: page[piece] for piece in PAGE_PIECES} | {"menu": menu} | extras
    if locked:
        pieces["article"] = page[LOCKED_ARTICLE]
    return post, {piece: mark_safe(html) for piece, html in pieces.items()}  # noqa: S308


def _for_page(posts) -> PostQuerySet:
    """What a post page shows, fetched up front: relations, and the social image with its
    renditions (no query while it has none)."""
    return (
        posts.with_relations()
        .select_related("social_image")
        .prefetch_related("social_image__renditions")
    )


def _render_pieces(post: Post, **extra: object) -> dict[str, str]:
    """The page's pieces; a members-only post's article also locked (`LOCKED_ARTICLE`):
    title, byline, cover, excerpt and the sign-up call, never the body or its contents."""
    context = _site() | post_context(post, site_url(post.get_absolute_url())) | extra
    pieces = {piece: render_to_string(f"blog/_post_{piece}.html", context) for piece in PAGE_PIECES}
    if post.audience == Post.Audience.MEMBERS:
        locked = context | {"locked": True, "toc": []}
        pieces[LOCKED_ARTICLE] = render_to_string("blog/_post_article.html", locked)
    return pieces


def preview_pieces(post_id: int, *, banner: str) -> tuple[Post, dict[str, SafeString]] | None:
    """A post's (or page's) pieces and the menu, rendered now and never cached, with
    `banner` instead of the writer's preview banner: the page a shared preview link shows
    (`previews`), whoever asks. The caller has decided that the asker may see it, body
    included: a members-only post's preview shows its whole article (the link's holder
    was trusted with the draft)."""
    post = _for_page(Post.all_kinds).filter(pk=post_id).first()
    if post is None:
        return None
    pieces = _render_pieces(post, preview=True, preview_banner=banner)
    pieces["menu"] = category_menu()
    return post, {piece: mark_safe(html) for piece, html in pieces.items()}  # noqa: S308


def post_context(post: Post, canonical_url: str) -> dict:
    """What the post page's pieces show: for a preview (rendered each time) as well.

    The head's title, description, canonical URL, social card and robots tag, and the
    JSON-LD, come from `blog.seo.post_seo`: the writer's SEO fields, else the fallbacks.
    """
    headings = table_of_contents(post.body_html)
    previous_post, next_post = adjacent_posts(post)
    seo = post_seo(post, canonical_url=canonical_url, site_name=_site()["site_name"])
    context = {
        "post": post,
        "preview": not post.is_public,
        "seo": seo,
        "canonical_url": canonical_url,  # this page's own address (its share links)
        "toc": nested_contents(headings) if len(headings) >= TOC_MIN_HEADINGS else [],
        "previous_post": previous_post,
        "next_post": next_post,
        "related_posts": related_posts(post) if post.is_public else [],
    }
    structured = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": seo.description,
        "datePublished": post.published_at.isoformat() if post.published_at else None,
        "dateModified": post.updated_at.isoformat(),
        "author": [
            {
                "@type": "Person",
                "name": author.public_name,
                "url": site_url(reverse("blog:author", args=[author.username])),
            }
            for author in post.authors_in_order
        ],
        "mainEntityOfPage": seo.canonical_url,
        "keywords": [tag.name for tag in post.tags.all()],
    }
    if post.audience == Post.Audience.MEMBERS:
        structured |= paywalled_parts()
    if (image := seo.social_image) is not None:
        # The share card: a JPEG/PNG rendition every crawler reads (images app).
        card = image.social
        context["social"] = {
            "url": _absolute(card.url),
            "width": card.width,
            "height": card.height,
            "mime_type": card.mime_type,
            "alt": image.alt_text,
        }
        structured["image"] = [context["social"]["url"]]
    elif (fallback := site_values().social_image) is not None:
        context["social"] = fallback  # the site's default share card
    site = site_values()
    structured["publisher"] = {"@type": "Organization", "name": site.name, "url": site_url()}
    if site.logo is not None:
        structured["publisher"]["logo"] = _absolute(site.logo.url)
    context["structured_data"] = structured
    return context


# The element that holds the body (`blog/_post_article.html`), which members alone get.
BODY_SELECTOR = ".post-body"


def paywalled_parts() -> dict:
    """JSON-LD of a members-only post or page (the same for every reader, so the page's
    head is one piece): not free, and which element is for members, as Google's guidance
    for paywalled content asks (a `.class` selector), so that serving crawlers the
    teaser is not taken for cloaking. The body itself is never in JSON-LD."""
    return {
        "isAccessibleForFree": False,
        "hasPart": {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": BODY_SELECTOR,
        },
    }


def category_menu() -> SafeString:
    """The header's menu: the one editors built in the site settings
    (`blog/_header_menu.html`), else the categories with public posts, most posts first
    (`blog/_category_menu.html`). Pages that read pieces already hand it to the layout as
    `menu` (one round trip for all). It is retired with the settings, which bump both
    generations when saved."""
    return mark_safe(remember(_key(MENU_KEY), _render_menu))  # noqa: S308 (our template)


def _render_menu() -> str:
    if (links := site_values().header_menu) is not None:
        return render_to_string("blog/_header_menu.html", {"links": links})
    return render_to_string(
        "blog/_category_menu.html", _site() | {"categories": busiest_categories()}
    )
