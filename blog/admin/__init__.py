"""Admin for editors: posts (with role rules), categories and tags, daily reports.

The admin is branded with the site's name (`BROADSHEET_SITE_NAME`).
"""

from django.conf import settings
from django.contrib import admin

from . import posts, reports  # noqa: F401  (registers the model admins)

admin.site.site_header = settings.SITE_NAME
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Newsroom"
