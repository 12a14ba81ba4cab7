"""`manage.py import_broadsheet FILE.json`: a Broadsheet export, e.g. from another site."""

from transfer.command import ImportCommand
from transfer.sources.broadsheet import BroadsheetReader


class Command(ImportCommand):
    help = "Import a Broadsheet export (manage.py export): the round trip."
    source = BroadsheetReader.source
    file_help = "a file written by manage.py export"
    all_authors = True  # the round trip keeps everyone who holds a role

    def reader(self, stream, **options):
        return BroadsheetReader(stream)
