"""The summary an import prints: created, updated and skipped, by kind and by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

KINDS = ("posts", "pages", "authors", "categories", "tags", "comments")


@dataclass
class Summary:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)  # re-imported, nothing to write
    skipped: Counter = field(default_factory=Counter)  # reason → count
    # Imported, but not exactly as the source had it (a members-only post made a draft,
    # an image the conversion lost): reason → count. Nothing changes silently.
    adjusted: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # one line per bad item
    notes: dict[str, None] = field(default_factory=dict)  # ordered set
    dry_run: bool = False

    def skip(self, reason: str, detail: str = "") -> None:
        self.skipped[reason] += 1
        if detail:
            self.problems.append(f"{reason}: {detail}")

    def adjust(self, reason: str, detail: str = "") -> None:
        self.adjusted[reason] += 1
        if detail:
            self.problems.append(f"{reason}: {detail}")

    def note(self, text: str) -> None:
        self.notes[text] = None

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "created": dict(+self.created),
            "updated": dict(+self.updated),
            "unchanged": dict(+self.unchanged),
            "skipped": dict(self.skipped),
            "adjusted": dict(self.adjusted),
            "problems": list(self.problems),
            "notes": list(self.notes),
        }

    def table(self) -> str:
        """The summary as a fixed-width text table, for the terminal and the docs."""
        title = "Dry run: nothing was written" if self.dry_run else "Import finished"
        lines = [title, "", f"{'':<12}{'created':>9}{'updated':>9}{'unchanged':>11}"]
        for kind in KINDS:
            optional = kind in ("pages", "comments")
            if optional and not (self.created | self.updated | self.unchanged)[kind]:
                continue  # a blog without pages or comments: the table as before
            lines.append(
                f"{kind:<12}{self.created[kind]:>9}{self.updated[kind]:>9}"
                f"{self.unchanged[kind]:>11}"
            )
        lines += ["", f"skipped {sum(self.skipped.values())}"]
        width = max((len(r) for r in self.skipped), default=0)
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  {reason:<{width}}  {count:>6}")
        if self.adjusted:
            lines += ["", f"imported with changes {sum(self.adjusted.values())}"]
            width = max(len(r) for r in self.adjusted)
            for reason, count in sorted(self.adjusted.items()):
                lines.append(f"  {reason:<{width}}  {count:>6}")
        if self.problems:
            lines += ["", "problems"] + [f"  {p}" for p in self.problems[:50]]
            if len(self.problems) > 50:
                lines.append(f"  … and {len(self.problems) - 50} more")
        if self.notes:
            lines += ["", "notes"] + [f"  {n}" for n in self.notes]
        return "\n".join(lines)
