"""Build the daily report of one day by hand: `manage.py report --date 2026-11-24`."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from blog.reports import report_build, report_default_day, report_mail, report_text


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must be YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Build (or refresh) the report of a day; one report per day, however often run."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument(
            "--mail", action="store_true", help="Also mail it to staff, unless already mailed."
        )

    def handle(self, *args, day: str | None = None, mail: bool = False, **options):
        report = report_build(day=_day(day) if day else report_default_day())
        self.stdout.write(report_text(report))
        if mail:
            sent = report_mail(report=report)
            self.stdout.write("Mailed." if sent else "Not mailed (already mailed, or no staff).")
