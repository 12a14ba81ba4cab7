"""Site name and description for every template."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    return {"site_name": settings.SITE_NAME, "site_description": settings.SITE_DESCRIPTION}
