"""RSS 2.0 and Atom feeds of public posts: the site's, and per category and tag.

Every author of a post is named, in byline order: one `dc:creator` each in RSS, one
`<author>` each in Atom (Django's generators name one; `BylineRssFeed` and
`BylineAtomFeed` add the co-authors through the generators' documented
`add_item_elements` hook).

A members-only post is in the feeds like any public post, with its excerpt, a "members
only" note and its link instead of the body (`blog.audience.may_read_body`: a feed is
read by no one in particular, so it gets what an anonymous reader gets).
"""

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import format_html

from core.origin import site_url, with_absolute_urls
from core.sitevalues import site_values

from .audience import may_read_body
from .models import Category, Post, Tag
from .selectors import public_tags

FEED_SIZE = 20
DC = {"xmlns:dc": "http://purl.org/dc/elements/1.1/"}


class BylineRssFeed(Rss201rev2Feed):
    """RSS 2.0 with a `dc:creator` for each co-author after the lead's."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("coauthors", ()):
            handler.addQuickElement("dc:creator", name, DC)


class BylineAtomFeed(Atom1Feed):
    """Atom with an `<author>` for each co-author after the lead's."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("coauthors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class LatestPostsFeed(Feed):
    feed_type = BylineRssFeed
    description_template = None

    def title(self, obj=None) -> str:
        return site_values().name

    def description(self, obj=None) -> str:
        return site_values().description

    def link(self, obj=None) -> str:
        return "/"

    def posts(self, obj=None):
        return Post.objects.public()

    def items(self, obj=None):
        return self.posts(obj).for_listing()[:FEED_SIZE]

    def item_title(self, item: Post) -> str:
        return item.title

    def item_description(self, item: Post) -> str:
        if may_read_body(item, None):
            # Feed readers have no page to resolve `/media/…` or `#section` against.
            return with_absolute_urls(item.body_html, base=site_url(item.get_absolute_url()))
        return format_html(
            '<p>{}</p><p><em>This post is for members only.</em> <a href="{}">Read it on '
            "the site</a>: sign up with your e-mail address, it is free.</p>",
            item.summary,
            site_url(item.get_absolute_url()),
        )

    def item_pubdate(self, item: Post):
        return item.published_at

    def item_updateddate(self, item: Post):
        return item.updated_at

    def item_author_name(self, item: Post) -> str:
        return item.authors_in_order[0].public_name

    def item_extra_kwargs(self, item: Post) -> dict:
        return {"coauthors": [user.public_name for user in item.authors_in_order[1:]]}

    def item_categories(self, item: Post) -> list[str]:
        return [tag.name for tag in item.tags.all()]

    def get_feed(self, obj, request):
        # Django's Feed makes links absolute but not enclosure URLs; the feed object is
        # shared between threads, so the request's site is applied here, not kept on self.
        site = get_current_site(request)
        feed = super().get_feed(obj, request)
        for entry in feed.items:
            entry["enclosures"] = [
                Enclosure(
                    add_domain(site.domain, e.url, request.is_secure()), e.length, e.mime_type
                )
                for e in entry["enclosures"]
            ]
        return feed

    def item_enclosures(self, item: Post) -> list[Enclosure]:
        """The cover image (a JPEG/PNG rendition) as an RSS enclosure / Atom link."""
        if item.cover_image is None:
            return []
        card = item.cover_image.social
        return [Enclosure(card.url, str(card.size), card.mime_type)]


class LatestPostsAtomFeed(LatestPostsFeed):
    feed_type = BylineAtomFeed

    def subtitle(self, obj=None) -> str:
        return self.description(obj)


class CategoryFeed(LatestPostsFeed):
    def get_object(self, request, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    def title(self, obj: Category) -> str:
        return f"{site_values().name}: {obj.name}"

    def link(self, obj: Category) -> str:
        return obj.get_absolute_url()

    def posts(self, obj: Category):
        return Post.objects.public().filter(category=obj)


class TagFeed(LatestPostsFeed):
    def get_object(self, request, slug: str) -> Tag:
        return get_object_or_404(public_tags(), slug=slug)

    def title(self, obj: Tag) -> str:
        return f"{site_values().name}: {obj.name}"

    def link(self, obj: Tag) -> str:
        return obj.get_absolute_url()

    def posts(self, obj: Tag):
        return Post.objects.public().filter(tags=obj)
