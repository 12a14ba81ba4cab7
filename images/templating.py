"""The readers' templates' helpers from `images` (core/jinja2.py collects them):
`{{ post.body_html|responsive_images }}` (images/body.py)."""

from .body import responsive_body

FILTERS = {"responsive_images": responsive_body}
