"""`manage.py export [-o FILE] [--markdown DIR]`: the whole site, as JSON or Markdown files."""

from pathlib import Path

from django.core.management.base import BaseCommand

from transfer.exporting import FLAVOURS, write_document, write_markdown


class Command(BaseCommand):
    help = "Export categories, tags, authors and posts (schema: docs/import-export.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("-o", "--output", help="write the JSON here (default: stdout)")
        parser.add_argument(
            "--markdown", metavar="DIR", help="write one Markdown file per post into DIR instead"
        )
        parser.add_argument(
            "--flavour",
            choices=FLAVOURS,
            default="hugo",
            help="with --markdown: front matter and layout for Hugo (DIR = content/posts) or "
            "Jekyll (DIR = the site root: _posts/ and _drafts/)",
        )

    def handle(self, *args, output=None, markdown=None, flavour="hugo", **options) -> None:
        if markdown:
            count = write_markdown(Path(markdown), flavour)
            self.stderr.write(f"{count} posts written to {markdown}")
            return
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                count = write_document(fh)
            self.stderr.write(f"{count} posts written to {output}")
        else:
            self.stdout.ending = ""  # the document's own newlines only
            write_document(self.stdout)
