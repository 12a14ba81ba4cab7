"""Members from a CSV file: the exports of Ghost, Substack and Mailchimp, and our own.

    summary = import_members(open("members.csv", "rb"), dry_run=True)
    print("\n".join(summary.lines()))

The format is told from the header row (`detect_format`):

- mailchimp (an `Email Address` column): First Name and Last Name, OPTIN_TIME,
  CONFIRM_TIME, UNSUB_TIME or CLEAN_TIME (then not subscribed; cleaned also disables
  mail), NOTES, TAGS;
- broadsheet (`email` and `mail_disabled_reason`: our export): name, status, created_at,
  confirmed_at, newsletters (slugs separated by `;`), mail_disabled_reason;
- ghost (`email` and `subscribed_to_emails`, `labels`, …): name, note,
  subscribed_to_emails, labels, created_at;
- substack (`email` and `active_subscription`, `email_disabled`, …): name, created_at
  or subscription_date, email_disabled;
- plain (an `email` column and nothing we know): name.

Every new member is `active` (the source confirmed the address; our own export keeps
`pending`) with source "import", and receives the newsletters chosen for the import, or
the row's own (`newsletters` of our export), or else the default ones, unless the row
says they unsubscribed. A member already here is never re-subscribed: only a blank name
is filled in. Invalid addresses and repeated ones are skipped with their line number.

The file is read as a stream, a batch of rows at a time (one query to look the batch's
addresses up, then bulk writes), all in one transaction: a failure leaves nothing
half-imported, and a dry run is the same run rolled back, so its numbers are exactly what
the real run will do.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import IO

from django.db import transaction
from django.utils import timezone

from newsletters.addresses import is_valid_email, normalise_email
from newsletters.models import Newsletter, Subscription

from . import events
from .models import Member

BATCH_SIZE = 1000
NAME_MAX = Member._meta.get_field("name").max_length
TRUE = {"true", "1", "yes", "y", "t"}
FALSE = {"false", "0", "no", "n", "f"}
# A spreadsheet runs a cell that starts with one of these as a formula: our export
# writes such a cell with a leading apostrophe, and our import takes it off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ImportRefused(ValueError):
    """The file cannot be imported at all (not CSV text, empty, or an unknown header)."""


@dataclass
class Row:
    email: str
    name: str = ""
    note: str = ""
    created_at: datetime | None = None
    confirmed_at: datetime | None = None
    unsubscribed: bool = False
    pending: bool = False
    disabled_reason: str = ""
    newsletters: list[str] | None = None  # the row's own list (our export), if it has one


@dataclass
class Skipped:
    line: int
    email: str
    reason: str


@dataclass
class ImportSummary:
    format: str
    dry_run: bool
    newsletters: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unsubscribed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    unknown_newsletters: set[str] = field(default_factory=set)

    def _newsletters(self) -> str:
        if self.newsletters:
            return ", ".join(self.newsletters)
        return "each row's own" if self.format == "broadsheet" else "none"

    def lines(self, skipped_shown: int = 50) -> list[str]:
        """The summary as an editor reads it (the admin page and the command print it)."""
        would = "would be " if self.dry_run else ""
        lines = [
            f"Format: {self.format}. Rows read: {self.rows}.",
            f"Created: {self.created} ({self.unsubscribed} of them unsubscribed, so on no "
            f"newsletter). Newsletters: {self._newsletters()}.",
            f"Updated (blank name filled in): {self.updated}. Already members, unchanged: "
            f"{self.unchanged}.",
            f"Skipped: {len(self.skipped)}.",
        ]
        lines += [f"  line {s.line}: {s.email or '(empty)'}: {s.reason}" for s in self.skipped][
            :skipped_shown
        ]
        if len(self.skipped) > skipped_shown:
            lines.append(f"  … and {len(self.skipped) - skipped_shown} more.")
        if self.unknown_newsletters:
            names = ", ".join(sorted(self.unknown_newsletters))
            lines.append(f"Newsletters named in the file that do not exist (ignored): {names}.")
        if self.dry_run:
            lines.insert(0, f"Dry run: nothing was saved; this is what {would}done.")
        return lines


# --- reading -----------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _flag(value: str | None) -> bool | None:
    text = _text(value).lower()
    return True if text in TRUE else False if text in FALSE else None


def _moment(value: str | None) -> datetime | None:
    """An export's time (ISO 8601, or Mailchimp's `2023-04-21 11:16:57`, in UTC)."""
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _with_labels(note: str, label: str, values: str) -> str:
    values = values.strip().strip('"')
    return "\n".join(part for part in (note, f"{label}: {values}" if values else "") if part)


def _unformula(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def _ghost(row: dict) -> Row:
    return Row(
        email=_text(row.get("email")),
        name=_text(row.get("name")),
        note=_with_labels(_text(row.get("note")), "Ghost labels", _text(row.get("labels"))),
        created_at=_moment(row.get("created_at")),
        unsubscribed=_flag(row.get("subscribed_to_emails")) is False,
    )


def _substack(row: dict) -> Row:
    return Row(
        email=_text(row.get("email")),
        name=_text(row.get("name")),
        created_at=_moment(row.get("created_at") or row.get("subscription_date")),
        unsubscribed=_flag(row.get("email_disabled")) is True,
    )


def _mailchimp(row: dict) -> Row:
    cleaned = bool(_text(row.get("clean_time")))
    name = f"{_text(row.get('first name'))} {_text(row.get('last name'))}".strip()
    return Row(
        email=_text(row.get("email address")),
        name=name,
        note=_with_labels(_text(row.get("notes")), "Mailchimp tags", _text(row.get("tags"))),
        created_at=_moment(row.get("optin_time")),
        confirmed_at=_moment(row.get("confirm_time")),
        unsubscribed=cleaned or bool(_text(row.get("unsub_time"))),
        disabled_reason="Cleaned in Mailchimp (bounced)" if cleaned else "",
    )


def _broadsheet(row: dict) -> Row:
    def cell(column: str) -> str:  # every text cell of our export may carry the apostrophe
        return _unformula(_text(row.get(column)))

    listed = cell("newsletters")
    newsletters = [part.strip() for part in listed.split(";") if part.strip()]
    return Row(
        email=cell("email"),
        name=cell("name"),
        created_at=_moment(cell("created_at")),
        confirmed_at=_moment(cell("confirmed_at")),
        pending=cell("status") == Member.Status.PENDING,
        unsubscribed=not newsletters,
        disabled_reason=cell("mail_disabled_reason"),
        newsletters=newsletters,
    )


def _plain(row: dict) -> Row:
    return Row(email=_text(row.get("email")), name=_text(row.get("name")))


READERS: dict[str, Callable[[dict], Row]] = {
    "mailchimp": _mailchimp,
    "broadsheet": _broadsheet,
    "ghost": _ghost,
    "substack": _substack,
    "plain": _plain,
}


def detect_format(header: list[str]) -> str:
    """Which export `header` (lower-cased column names) comes from; `ImportRefused` if none."""
    columns = set(header)
    if "email address" in columns:
        return "mailchimp"
    if "email" in columns:
        if "mail_disabled_reason" in columns:
            return "broadsheet"
        ghost = {"subscribed_to_emails", "complimentary_plan", "labels", "stripe_customer_id"}
        if columns & ghost and "active_subscription" not in columns:
            return "ghost"
        if columns & {"active_subscription", "email_disabled", "expiry", "subscription_date"}:
            return "substack"
        return "plain"
    shown = ", ".join(header[:8]) or "(nothing)"
    raise ImportRefused(
        f"Unknown header: no `email` or `Email Address` column (found: {shown}). Export "
        "members from Ghost, Substack or Mailchimp, or give a column named `email`."
    )


def _lines(stream: IO[bytes] | IO[str] | Iterable[str]) -> Iterator[str]:
    if isinstance(stream, io.TextIOBase) or not hasattr(stream, "read"):
        lines = iter(stream)
    else:
        lines = codecs.iterdecode(stream, "utf-8-sig")
    try:
        for line in lines:
            if "\x00" in line:
                raise ImportRefused("This is not a CSV file: it holds binary data.")
            yield line
    except UnicodeDecodeError as error:
        raise ImportRefused(
            "This is not a CSV text file in UTF-8 (save it from your spreadsheet as “CSV UTF-8”)."
        ) from error


def read_rows(stream) -> tuple[str, Iterator[tuple[int, Row]]]:
    """The file's format, and its rows with their line numbers, read lazily."""
    reader = csv.reader(_lines(stream))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused(f"This is not a CSV file: {error}.") from error
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRefused("The file is empty: it has no header row.")
    header = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    kind = detect_format(header)
    read = READERS[kind]

    def rows() -> Iterator[tuple[int, Row]]:
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue  # a blank line
                yield reader.line_num, read(dict(zip(header, cells, strict=False)))
        except csv.Error as error:
            raise ImportRefused(f"Line {reader.line_num} is not valid CSV: {error}.") from error

    return kind, rows()


# --- writing -----------------------------------------------------------------------


def default_newsletters() -> list[Newsletter]:
    return list(Newsletter.objects.filter(active=True, subscribe_by_default=True))


class _Import:
    def __init__(self, summary: ImportSummary, chosen: list[Newsletter] | None) -> None:
        self.summary = summary
        self.chosen = chosen
        self.defaults = default_newsletters() if chosen is None else []
        self.by_name: dict[str, Newsletter] = {}
        for newsletter in Newsletter.objects.all():
            self.by_name[newsletter.slug.lower()] = newsletter
            self.by_name.setdefault(newsletter.name.lower(), newsletter)
        self.seen: dict[str, int] = {}

    def valid(self, rows: Iterable[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
        for line, row in rows:
            self.summary.rows += 1
            row.email = normalise_email(row.email)
            if not row.email:
                self.summary.skipped.append(Skipped(line, "", "no address"))
            elif not is_valid_email(row.email):
                self.summary.skipped.append(Skipped(line, row.email, "not a valid address"))
            elif row.email in self.seen:
                reason = f"repeats line {self.seen[row.email]}"
                self.summary.skipped.append(Skipped(line, row.email, reason))
            else:
                self.seen[row.email] = line
                yield line, row

    def newsletters_for(self, row: Row) -> list[Newsletter]:
        if row.unsubscribed:
            return []
        if self.chosen is not None:
            return self.chosen
        if row.newsletters is None:
            return self.defaults
        found = []
        for name in row.newsletters:
            newsletter = self.by_name.get(name.lower())
            if newsletter is None:
                self.summary.unknown_newsletters.add(name)
            else:
                found.append(newsletter)
        return found

    def batch(self, rows: list[tuple[int, Row]]) -> None:
        emails = [row.email for _, row in rows]
        existing = {
            m.email: m for m in Member.objects.filter(email__in=emails).only("email", "name")
        }
        named = []
        for _, row in rows:
            member = existing.get(row.email)
            if member is not None and not member.name and row.name:
                member.name = row.name[:NAME_MAX]
                named.append(member)
        if named:
            Member.objects.bulk_update(named, ["name"])
        self.summary.updated += len(named)
        self.summary.unchanged += len(existing) - len(named)

        now = timezone.now()
        new = [(row, self._member(row, now)) for _, row in rows if row.email not in existing]
        if not new:
            return
        members = Member.objects.bulk_create([member for _, member in new])
        # `created_at` is stamped at insert (auto_now_add): the source's date is put back.
        dated = []
        for (row, _), member in zip(new, members, strict=True):
            if row.created_at is not None:
                member.created_at = row.created_at
                dated.append(member)
        if dated:
            Member.objects.bulk_update(dated, ["created_at"])
        subscriptions = []
        for (row, _), member in zip(new, members, strict=True):
            newsletters = self.newsletters_for(row)
            if not newsletters:
                self.summary.unsubscribed += 1
            subscriptions += [Subscription(member=member, newsletter=n) for n in newsletters]
        Subscription.objects.bulk_create(subscriptions)
        self.summary.created += len(members)
        # One `member_created` per member, as from every door; `batch` (the members this
        # write created) lets a listener do its per-write work once (webhooks.audience).
        for member in members:
            events.member_created.send(sender=Member, member=member, batch=members)

    def _member(self, row: Row, now: datetime) -> Member:
        status = Member.Status.PENDING if row.pending else Member.Status.ACTIVE
        return Member(
            email=row.email,
            name=row.name[:NAME_MAX],
            note=row.note,
            status=status,
            source=Member.Source.IMPORT,
            confirmed_at=None if row.pending else row.confirmed_at or row.created_at or now,
            email_disabled_at=now if row.disabled_reason else None,
            email_disabled_reason=row.disabled_reason[:200],
        )


def import_members(
    stream: IO[bytes] | IO[str] | Iterable[str],
    *,
    dry_run: bool = False,
    newsletters: list[Newsletter] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportSummary:
    """Import the members of a CSV export (module docstring); `ImportRefused` if it cannot.

    `newsletters`: what every new member receives; None for each row's own list (our
    export) or the default newsletters.
    """
    kind, rows = read_rows(stream)
    summary = ImportSummary(format=kind, dry_run=dry_run)
    with transaction.atomic():
        run = _Import(summary, newsletters)
        targets = newsletters if newsletters is not None else run.defaults
        if kind != "broadsheet" or newsletters is not None:
            summary.newsletters = [n.name for n in targets]
        valid = run.valid(rows)
        while batch := list(islice(valid, batch_size)):
            run.batch(batch)
        if dry_run:
            transaction.set_rollback(True)
    return summary
