"""Daily reports, read-only in admin (see issue 4)."""
