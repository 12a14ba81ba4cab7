"""What the three import commands share: options, progress bar, summary table.

    manage.py import_wordpress FILE.xml [--dry-run] [--authors map.csv] [--keep-permalinks]
    manage.py import_ghost FILE.json [--dry-run] [--authors map.csv] [--keep-permalinks]
    manage.py import_broadsheet FILE.json [--dry-run] [--media DIR]

The progress bar (tqdm) shows only on a terminal; the summary table always prints, and
`--json` prints it as JSON for scripts.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from .importer import ImportOptions, import_records
from .sources import NotAnExport
from .summary import Summary


def read_author_map(path: str) -> dict[str, str]:
    """`source_login,username` lines (a header line naming them is allowed)."""
    mapping = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.reader(fh):
            if len(row) < 2 or row[0].strip() in ("", "source_login", "source"):
                continue
            mapping[row[0].strip()] = row[1].strip()
    return mapping


class ImportCommand(BaseCommand):
    """Subclasses set `source` and implement `reader(stream, **options)`."""

    source = ""
    file_help = "the export file"
    permalinks = False
    permalinks_help = "old URLs answer 301 to the new post"
    all_authors = False  # True: every author of the file becomes a user, posts or not

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=self.file_help)
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen; write nothing"
        )
        parser.add_argument(
            "--authors", metavar="MAP.CSV", help="map source logins to existing usernames"
        )
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes converting and rendering bodies (default: one per CPU)",
        )
        if self.permalinks:
            parser.add_argument(
                "--keep-permalinks",
                action="store_true",
                help=self.permalinks_help,
            )

    def reader(self, stream: BinaryIO, **options):
        raise NotImplementedError

    def import_options(self, **options) -> dict:
        """`ImportOptions` fields of the subclass's own options (checked: raise
        `CommandError` before anything is read)."""
        return {}

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["authors"] and not Path(options["authors"]).is_file():
            raise CommandError(f"--authors: no such file: {options['authors']}")
        author_map = read_author_map(options["authors"]) if options["authors"] else {}
        missing = set(author_map.values()) - set(
            get_user_model()
            .objects.filter(username__in=author_map.values())
            .values_list("username", flat=True)
        )
        if missing:
            raise CommandError(f"--authors names users that do not exist: {sorted(missing)}")
        import_options = ImportOptions(
            source=self.source,
            dry_run=options["dry_run"],
            keep_permalinks=options.get("keep_permalinks", False),
            author_map=author_map,
            workers=max(1, options["workers"]),
            all_authors=self.all_authors,
            **self.import_options(**options),
        )
        with path.open("rb") as stream:
            try:
                summary = self._run(stream, path, import_options, options)
            except (DefusedXmlException, ParseError, ValueError) as error:
                # One line, and a non-zero exit: the import ran in one transaction, so a
                # file refused half-way has changed nothing.
                reason = str(error).splitlines()[0] if str(error) else ""
                if not isinstance(error, NotAnExport):
                    reason = f"{type(error).__name__}: {reason}"
                raise CommandError(f"{path} refused: {reason}; nothing was written") from error
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=1))
        else:
            self.stdout.write(summary.table())

    def _run(self, stream: BinaryIO, path: Path, import_options: ImportOptions, options) -> Summary:
        reader = self.reader(stream, **options)
        on_terminal = sys.stderr.isatty() and not options["json"]
        size = os.path.getsize(path)
        with tqdm(
            total=size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=not on_terminal,
            file=sys.stderr,
        ) as bar:

            def progress() -> None:
                if not stream.closed:
                    bar.update(min(size, stream.tell()) - bar.n)

            return import_records(reader, options=import_options, progress=progress)
