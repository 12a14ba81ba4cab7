"""`{% load images %}`: `{{ post.body_html|responsive_images }}` (see images/body.py)."""

from django import template
from django.utils.safestring import SafeString

from ..body import responsive_body

register = template.Library()


@register.filter
def responsive_images(body_html: str) -> SafeString:
    """Library images in rendered body HTML as `<picture>` with the current renditions."""
    return responsive_body(body_html)
