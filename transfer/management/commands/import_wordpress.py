"""`manage.py import_wordpress FILE.xml`: a WordPress WXR export (see docs/import-export.md)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.management.base import CommandError

from transfer.command import ImportCommand
from transfer.sources.wordpress import WordPressReader


class Command(ImportCommand):
    help = "Import posts, authors, categories and tags from a WordPress WXR export."
    source = WordPressReader.source
    file_help = "WordPress export (Tools → Export → All content), WXR 1.1 or 1.2"
    permalinks = True
    permalinks_help = "old URLs (/YYYY/MM/DD/slug/, /?p=ID) answer 301 to the new post"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--timezone",
            default=settings.TIME_ZONE,
            help="the WordPress site's time zone, for items without a GMT date",
        )

    def handle(self, *args, **options) -> None:
        try:
            ZoneInfo(options["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise CommandError(
                f"--timezone {options['timezone']!r} is not a time zone name "
                "(for example Europe/Paris or UTC)"
            ) from error
        super().handle(*args, **options)

    def reader(self, stream, **options):
        return WordPressReader(stream, time_zone=options["timezone"])
