"""Admin for editors: posts (with role rules), categories and tags, daily reports."""

from . import posts, reports  # noqa: F401  (registers the model admins)
