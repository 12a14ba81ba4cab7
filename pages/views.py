"""The page at `/<slug>/`: public pages for everyone, drafts previewed by who may edit them.

Anonymous readers get the page through the page cache (`pagecache.cache_anonymous_page`),
as posts do; a page readers cannot see is a 404 for them whatever its state (`can_view`,
`blog.permissions`, the posts' rule). One query reads the page with its cover image. A
members-only page shows others its excerpt and the sign-up call (`blog.audience`).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from blog.audience import may_read_body
from blog.fragments import paywalled_parts
from blog.permissions import can_view
from blog.seo import post_seo
from core.origin import site_url
from core.sitevalues import site_values
from pagecache.cache import cache_anonymous_page

from .models import Page


def page_context(page: Page, *, locked: bool = False) -> dict:
    """What the page's template shows (for a preview as well): its head from the one SEO
    rule (`blog.seo.post_seo`: the page's SEO fields, else the fallbacks). `locked`: a
    members-only page for a reader who may not read its body (`blog.audience`): its
    excerpt and the sign-up call instead."""
    canonical_url = site_url(page.get_absolute_url())
    seo = post_seo(page, canonical_url=canonical_url, site_name=site_values().name)
    context = {
        "post": page,  # the posts' head (SEO, social card) reads `post`
        "page": page,
        "seo": seo,
        "preview": not page.is_public,
        "canonical_url": seo.canonical_url,
        "locked": locked,
    }
    structured = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": page.title,
        "description": seo.description,
        "dateModified": page.updated_at.isoformat(),
        "url": seo.canonical_url,
    }
    if page.audience == Page.Audience.MEMBERS:
        structured |= paywalled_parts()
    if (image := seo.social_image) is not None:
        card = image.social
        url = card.url if "://" in card.url else site_url(card.url)
        context["social"] = {
            "url": url,
            "width": card.width,
            "height": card.height,
            "mime_type": card.mime_type,
            "alt": image.alt_text,
        }
        structured["image"] = [url]
    context["structured_data"] = structured
    return context


@method_decorator(cache_anonymous_page, name="dispatch")
class PageDetailView(TemplateView):
    template_name = "pages/page_detail.html"

    def get_context_data(self, **kwargs):
        page = (
            Page.objects.select_related("author", "cover_image", "social_image")
            .filter(slug=self.kwargs["slug"])
            .first()
        )
        if page is None or not can_view(self.request.user, page):
            raise Http404("No page found.")
        locked = not may_read_body(page, self.request)
        return super().get_context_data(**page_context(page, locked=locked), **kwargs)
