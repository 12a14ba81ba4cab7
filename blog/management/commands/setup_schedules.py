"""Create the beat schedules in the database: `manage.py setup_schedules` (idempotent).

`make run` and deployments call it after `migrate`. A schedule that exists is left as it
is, so an editor's change in the admin (timing, enabled) survives; `--reset` puts the
default timing back.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def _every(seconds: int) -> dict:
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=seconds, period=IntervalSchedule.SECONDS
    )
    return {"interval": interval, "crontab": None}


def _daily_at(hh_mm: str) -> dict:
    try:
        hour, minute = (int(part) for part in hh_mm.split(":"))
    except ValueError as exc:
        raise CommandError(f"BROADSHEET_DAILY_REPORT_AT must be HH:MM, not {hh_mm!r}") from exc
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute),
        hour=str(hour),
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return {"crontab": crontab, "interval": None}


def _weekly_at(hh_mm: str, day_of_week: str = "1") -> dict:
    """Every week on `day_of_week` (cron's: 1 = Monday) at `hh_mm` in TIME_ZONE."""
    try:
        hour, minute = (int(part) for part in hh_mm.split(":"))
    except ValueError as exc:
        raise CommandError(f"NEWSLETTER_DIGEST_AT must be HH:MM, not {hh_mm!r}") from exc
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(minute),
        hour=str(hour),
        day_of_week=day_of_week,
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    return {"crontab": crontab, "interval": None}


# name -> (task, default timing, description); the timing is made only when it is used.
SCHEDULES: dict[str, tuple[str, Callable[[], dict], str]] = {
    "daily-report": (
        "blog.tasks.build_report",
        lambda: _daily_at(settings.BROADSHEET_DAILY_REPORT_AT),
        "Yesterday's report, stored and mailed to staff.",
    ),
    "cleanup-sessions": (
        "blog.tasks.cleanup_sessions",
        lambda: _every(300),
        "Remove expired sessions.",
    ),
    "publish-sweep": (
        "blog.tasks.publish_sweep",
        lambda: _every(60),
        "Go-live side effects of posts that became public.",
    ),
    "scheduled-updates": (
        "editorial.tasks.apply_scheduled_updates",
        lambda: _every(60),
        "Scheduled updates of published posts whose time has come.",
    ),
    # The reconcilers: owed work whose task message was lost (docs/jobs.md). Named by
    # string (as is the sweep of scheduled updates above), so blog imports none of the
    # apps they belong to.
    "webhook-deliveries": (
        "webhooks.tasks.reconcile_deliveries",
        lambda: _every(30),
        "Webhook retries that are due, and deliveries whose message was lost.",
    ),
    "renditions-reconcile": (
        "images.tasks.reconcile_renditions",
        lambda: _every(60),
        "Image renditions whose message was lost.",
    ),
    "exports-reconcile": (
        "transfer.tasks.reconcile_exports",
        lambda: _every(60),
        "Exports whose message was lost or whose worker died.",
    ),
    "newsletters-reconcile": (
        "newsletters.tasks.reconcile_issues",
        lambda: _every(60),
        "Newsletter sends whose worker died (claims left uncertain) or whose message was lost.",
    ),
    "newsletters-weekly-digest": (
        "newsletters.tasks.send_weekly_digests",
        lambda: _weekly_at(settings.NEWSLETTER_DIGEST_AT),
        "The weekly digest newsletters: the week just ended's posts.",
    ),
    "embeds-reconcile": (
        "embeds.tasks.reconcile_embeds",
        lambda: _every(60),
        "Embeds to fetch whose message was lost.",
    ),
    "members-unconfirmed-cleanup": (
        "members.tasks.delete_unconfirmed_signups",
        lambda: _every(24 * 3600),
        "Forget sign-ups never confirmed (pending over 7 days, no working link).",
    ),
    "comments-pending-digest": (
        "comments.tasks.send_pending_digest",
        lambda: _every(3600),
        "Mail editors the comments waiting for approval (one digest per hour, if any).",
    ),
}


class Command(BaseCommand):
    help = "Create the periodic tasks beat runs; existing ones keep their timing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Put the default timing back on existing ones."
        )

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        for name, (task, timing, description) in SCHEDULES.items():
            periodic = PeriodicTask.objects.filter(name=name).first()
            if periodic is None:
                PeriodicTask.objects.create(
                    name=name, task=task, description=description, **timing()
                )
                self.stdout.write(f"{name}: created")
                continue
            changed = []
            if periodic.task != task:
                periodic.task = task
                changed.append("task")
            if reset:
                schedule = timing()
                if any(getattr(periodic, key) != value for key, value in schedule.items()):
                    for key, value in schedule.items():
                        setattr(periodic, key, value)
                    changed.append("timing")
            if changed:
                periodic.save()
                self.stdout.write(f"{name}: updated {', '.join(changed)}")
            else:
                self.stdout.write(f"{name}: unchanged")
