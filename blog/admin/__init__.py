"""Admin for editors: posts (with role rules), categories and tags, daily reports.

The admin is branded with the site's name, as the site settings hold it (read when a
page is drawn: `core.sitevalues`).
"""

from django.contrib import admin
from django.utils.functional import lazy

from core.sitevalues import site_values

from . import posts, reports  # noqa: F401  (registers the model admins)

admin.site.site_header = lazy(lambda: site_values().name, str)()
admin.site.site_title = lazy(lambda: f"{site_values().name} admin", str)()
admin.site.index_title = "Newsroom"
