"""The daily report: build one `Report` row per day, then mail it to staff exactly once.

    report = report_build(day=date(2026, 11, 24))   # idempotent: one row per day
    report_mail(report=report)                      # sends at most once per report

`blog.tasks` runs both from beat every morning; `manage.py report --date` by hand.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from core.sitevalues import site_values

from .models import Post, Report

logger = logging.getLogger(__name__)

NO_CATEGORY = "(no category)"


def report_default_day() -> date:
    """The day a morning report covers: yesterday, in the site's time zone."""
    return timezone.localdate() - timedelta(days=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of `day` in TIME_ZONE, as aware datetimes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def _counts(queryset: QuerySet, field: str, empty: str) -> dict[str, int]:
    rows = queryset.values(field).annotate(n=Count("pk")).order_by(field)
    return {(row[field] or empty): row["n"] for row in rows}


def report_build(*, day: date) -> Report:
    """Create or refresh the report of `day` (in TIME_ZONE); never makes a second row.

    Published and new users are counted within the day; scheduled and drafts are a
    snapshot taken when the report is generated. Two builds racing for the same day meet
    at the unique `day` column: the loser reads the winner's row and refreshes it.
    """
    start, end = day_bounds(day)
    published = Post.objects.public().filter(published_at__gte=start, published_at__lt=end)
    values = {
        "published_count": published.count(),
        "scheduled_count": Post.objects.scheduled().count(),
        "draft_count": Post.objects.drafts().count(),
        "new_users_count": get_user_model()
        .objects.filter(date_joined__gte=start, date_joined__lt=end)
        .count(),
        "per_category": _counts(published, "category__name", NO_CATEGORY),
        "per_author": _counts(published, "author__username", ""),
        "generated_at": timezone.now(),
    }
    with transaction.atomic():
        report, created = Report.objects.update_or_create(day=day, defaults=values)
    logger.info(
        "report for %s %s: %s published",
        day,
        "created" if created else "refreshed",
        report.published_count,
    )
    return report


def report_recipients() -> list[str]:
    """Addresses of active staff who may read reports (editors and superusers)."""
    users = get_user_model().objects.with_perm(
        "blog.view_report", backend="django.contrib.auth.backends.ModelBackend"
    )
    return sorted(users.filter(is_staff=True).exclude(email="").values_list("email", flat=True))


def report_text(report: Report) -> str:
    lines = [
        f"{site_values().name} report for {report.day:%A %d %B %Y}",
        "",
        f"Published that day: {report.published_count}",
        f"Scheduled:          {report.scheduled_count}",
        f"Drafts:             {report.draft_count}",
        f"New users:          {report.new_users_count}",
    ]
    for title, counts in (("By category", report.per_category), ("By author", report.per_author)):
        if counts:
            lines += ["", f"{title}:"]
            lines += [f"  {name}: {n}" for name, n in sorted(counts.items())]
    lines += ["", f"Generated {timezone.localtime(report.generated_at):%Y-%m-%d %H:%M %Z}."]
    return "\n".join(lines) + "\n"


def report_mail(*, report: Report) -> bool:
    """Mail `report` to staff unless it was mailed already; True if this call sent it.

    `mailed_at` is claimed with a conditional UPDATE in the same transaction as the send:
    a concurrent call waits on the row and then finds it claimed, and a failed send rolls
    the claim back so that a retry can send. (A crash after the SMTP server accepted the
    mail but before the commit would send it again: we prefer that to losing it.)
    """
    recipients = report_recipients()
    if not recipients:
        logger.warning("report for %s not mailed: no staff with an email address", report.day)
        return False
    with transaction.atomic():
        now = timezone.now()
        claimed = Report.objects.filter(pk=report.pk, mailed_at__isnull=True).update(mailed_at=now)
        if not claimed:
            return False
        send_mail(
            subject=f"{site_values().name} daily report, {report.day:%Y-%m-%d}",
            message=report_text(report),
            from_email=None,
            recipient_list=recipients,
        )
    report.mailed_at = now
    logger.info("report for %s mailed to %d recipients", report.day, len(recipients))
    return True
