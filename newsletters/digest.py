"""The weekly digest: one issue per weekly newsletter and week, listing the week's posts.

A digest is the issue with `post is None and week is not None`. `week` is the Monday the
covered week starts; its posts are those public and published from that Monday 00:00 to
the next Monday 00:00 in the site's time zone (`week_posts`), read when the issue's first
batch renders the e-mail (then frozen on the issue, like a post's). The beat task
(`send_weekly_digests`, Mondays at `NEWSLETTER_DIGEST_AT`) makes the issue of the week
just ended, and of any week missed since the newsletter's last digest (beat away over a
Monday; at most `MAX_WEEKS_BACK`); a week with no post makes none; `(newsletter, week)`
is unique, so a second run makes nothing.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from blog.models import Post, PostQuerySet
from core.sitevalues import site_values

from .models import Issue, Newsletter

# The Monday task catches up on at most this many weeks (the one just ended included).
MAX_WEEKS_BACK = 4


def site_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site_values().time_zone)


def week_bounds(week: date) -> tuple[datetime, datetime]:
    """[start, end) of the week beginning on Monday `week`, in the site's time zone."""
    zone = site_zone()
    start = datetime.combine(week, time.min, tzinfo=zone)
    end = datetime.combine(week + timedelta(days=7), time.min, tzinfo=zone)
    return start, end


def week_posts(week: date) -> PostQuerySet:
    """The digest's posts: public ones published in the week, oldest first."""
    start, end = week_bounds(week)
    return (
        Post.objects.public()
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("published_at", "pk")
    )


def is_digest(issue: Issue) -> bool:
    return issue.post_id is None and issue.week is not None


def week_just_ended(now: datetime | None = None) -> date:
    """The Monday of the last full week before `now` (site's time zone)."""
    today = timezone.localtime(now or timezone.now(), site_zone()).date()
    return today - timedelta(days=today.weekday() + 7)


def digest_create(week: date | None = None, newsletters=None) -> list[Issue]:
    """The issues created for `week` (default: the week just ended), one per active
    weekly newsletter (or per one of `newsletters`); none if the week had no public post
    or they exist already."""
    week = week or week_just_ended()
    if not week_posts(week).exists():
        return []
    if newsletters is None:
        newsletters = Newsletter.objects.filter(active=True, cadence=Newsletter.Cadence.WEEKLY)
    created_issues = []
    with transaction.atomic():
        for newsletter in newsletters:
            with transaction.atomic():  # a savepoint: a concurrent run's row is found
                issue, created = Issue.objects.get_or_create(
                    newsletter=newsletter,
                    week=week,
                    defaults={"subject": f"{newsletter.name}: the week of {week:%d %B %Y}"},
                )
            if created:
                created_issues.append(issue)
    return created_issues


def digests_due(now: datetime | None = None) -> list[Issue]:
    """What the Monday task creates: for each active weekly newsletter, the issue of the
    week just ended and of every week missed since its last digest, at most
    `MAX_WEEKS_BACK` weeks back (beat or the server away over a Monday), oldest first.
    A newsletter without a digest yet starts with the week just ended."""
    latest = week_just_ended(now)
    oldest_allowed = latest - timedelta(weeks=MAX_WEEKS_BACK - 1)
    created: list[Issue] = []
    weekly = Newsletter.objects.filter(active=True, cadence=Newsletter.Cadence.WEEKLY).annotate(
        last_week=Max("issues__week")
    )
    for newsletter in weekly:
        if newsletter.last_week is None:
            first = latest
        else:
            first = max(newsletter.last_week + timedelta(weeks=1), oldest_allowed)
        week = first
        while week <= latest:
            created += digest_create(week, [newsletter])
            week += timedelta(weeks=1)
    return created
