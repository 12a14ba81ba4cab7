"""`manage.py import_broadsheet FILE.json [--media DIR]`: a Broadsheet export, e.g. from
another site, with its library pictures: read from DIR (the old site's MEDIA_ROOT) or,
without it, downloaded from the old site."""

from pathlib import Path

from django.core.management.base import CommandError

from transfer.command import ImportCommand
from transfer.sources.broadsheet import BroadsheetReader


class Command(ImportCommand):
    help = "Import a Broadsheet export (manage.py export): the round trip."
    source = BroadsheetReader.source
    file_help = "a file written by manage.py export"
    all_authors = True  # the round trip keeps everyone who holds a role

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--media",
            metavar="DIR",
            help="the old site's media folder (its MEDIA_ROOT): library pictures are read "
            "from there; without it, each is downloaded from its URL on the old site",
        )

    def import_options(self, **options) -> dict:
        media = options.get("media") or ""
        if media and not Path(media).is_dir():
            raise CommandError(f"--media: no such folder: {media}")
        return {"media_dir": media}

    def reader(self, stream, **options):
        return BroadsheetReader(stream)
