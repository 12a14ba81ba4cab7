"""`manage.py import_ghost FILE.json`: a Ghost JSON export (see docs/import-export.md)."""

from transfer.command import ImportCommand
from transfer.sources.ghost import GhostReader


class Command(ImportCommand):
    help = "Import posts, authors and tags from a Ghost JSON export."
    source = GhostReader.source
    file_help = "Ghost export (Settings → Labs → Export content), JSON"
    permalinks = True
    permalinks_help = "Ghost's post URLs (/slug/) answer 301 to the new post"

    def reader(self, stream, **options):
        return GhostReader(stream)
