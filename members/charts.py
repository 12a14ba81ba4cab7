"""Members over time, for the admin home: cumulative members at the end of each week.

One query (members grouped by the week they joined); the running total and the chart's
geometry are computed here, and `templates/admin/members/chart.html` draws it as inline
SVG (no script, nothing from another host), with a table of the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import Member

WEEKS = 12
WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 48, 28, 12  # room for the axis labels


@dataclass(frozen=True)
class Week:
    start: date
    total: int  # members at the end of the week (deleted members are not counted)
    joined: int
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass(frozen=True)
class Chart:
    weeks: list[Week]
    top: int  # the value at the top of the scale
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: int = HEIGHT - BOTTOM

    @property
    def first(self) -> Week:
        return self.weeks[0]

    @property
    def last(self) -> Week:
        return self.weeks[-1]


def joined_per_week() -> dict[date, int]:
    """Members who joined, by the Monday of their week (site time): one GROUP BY query."""
    rows = (
        Member.objects.annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    return {timezone.localtime(row["week"]).date(): row["n"] for row in rows}


def members_over_time(weeks: int = WEEKS, today: date | None = None) -> Chart | None:
    """The last `weeks` weeks (or since the first member), or None with no members."""
    joined = joined_per_week()
    if not joined:
        return None
    today = today or timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    start = max(min(joined), this_week - timedelta(weeks=weeks - 1))
    total = sum(n for week, n in joined.items() if week < start)
    series = []
    week = start
    while week <= this_week:
        total += joined.get(week, 0)
        series.append((week, total, joined.get(week, 0)))
        week += timedelta(weeks=1)
    top = max(total for _, total, _ in series) or 1
    plot_width, plot_height = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_width / len(series)
    drawn = []
    for index, (week, total, new) in enumerate(series):
        height = plot_height * total / top
        drawn.append(
            Week(
                start=week,
                total=total,
                joined=new,
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(HEIGHT - BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
            )
        )
    return Chart(weeks=drawn, top=top)
