"""Site name, description and the layout's links for every template; the page's URL."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy

from .links import layout_links


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "links": layout_links(),
    }


def page_url(request: HttpRequest) -> dict:
    """The page's absolute URL (the layout's canonical link), found only when shown (an
    admin page or a 400 for an unknown host never asks). Views whose layout is kept
    (blog.layouts) hand it over as a slot instead."""
    return {"page_url": lazy(request.build_absolute_uri, str)()}
