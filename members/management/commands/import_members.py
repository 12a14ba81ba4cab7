"""`manage.py import_members FILE [--dry-run] [--newsletter SLUG]`: members from a CSV
export of Ghost, Substack, Mailchimp or this site (`members.importing`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from members.importing import ImportRefused, import_members
from newsletters.models import Newsletter


class Command(BaseCommand):
    help = "Import members from a CSV export (Ghost, Substack, Mailchimp, or this site's)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="The CSV file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would happen; save nothing."
        )
        parser.add_argument(
            "--newsletter",
            action="append",
            metavar="SLUG",
            help="Subscribe new members to this newsletter (repeat for several); "
            "without it: the default newsletters, or each row's own (this site's export).",
        )

    def handle(self, *args, file: str, dry_run: bool, newsletter: list[str] | None, **options):
        chosen = None
        if newsletter:
            found = {n.slug: n for n in Newsletter.objects.filter(slug__in=newsletter)}
            missing = sorted(set(newsletter) - set(found))
            if missing:
                raise CommandError(f"No newsletter with the slug: {', '.join(missing)}.")
            chosen = [found[slug] for slug in newsletter]
        try:
            with open(file, "rb") as stream:
                summary = import_members(stream, dry_run=dry_run, newsletters=chosen)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except ImportRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n".join(summary.lines(skipped_shown=1000)))
