"""The readers' templates' helpers from `embeds` (core/jinja2.py collects them):
`{{ post.body_html|embeds }}`, lone URLs as facades, media players or links (embeds/body.py)."""

from .body import render_body

FILTERS = {"embeds": render_body}
