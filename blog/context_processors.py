"""Site name, description and the layout's links for every template."""

from django.conf import settings
from django.http import HttpRequest

from .links import layout_links


def site(request: HttpRequest) -> dict:
    return {
        "site_name": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "links": layout_links(),
    }
