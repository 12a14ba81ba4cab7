"""`{{ post.body_html|embeds }}`: lone URLs as facades, media players or links (embeds.body)."""

from django import template
from django.utils.safestring import SafeString

from ..body import render_body

register = template.Library()


@register.filter(name="embeds")
def embeds(body_html: str) -> SafeString:
    """The body with its lone URLs swapped; one query for all of a page's embeds."""
    return render_body(str(body_html))
