"""Every write through the admin or the API is one revision (django-reversion), by its user.

Only unsafe requests under /admin/ and /api/ open a revision block (and its transaction):
reader pages and every GET stay as they were. Saves elsewhere (shell, tasks, importers)
get their revision from `editorial.signals`.
"""

from reversion.middleware import RevisionMiddleware as BaseRevisionMiddleware

WRITE_PREFIXES = ("/admin/", "/api/")


class RevisionMiddleware(BaseRevisionMiddleware):
    def request_creates_revision(self, request) -> bool:
        return super().request_creates_revision(request) and request.path.startswith(WRITE_PREFIXES)
