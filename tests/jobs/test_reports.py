"""The daily report: what it counts, one row per day, one mail, retries, command, admin."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from blog.models import Report
from blog.reports import report_build, report_mail, report_recipients
from blog.tasks import build_report, mail_report
from config import celery_app
from devservers import free_port
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    EditorFactory,
    PostFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An aware datetime on `day` in the current (site) time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time())).replace(
        hour=hour, minute=minute
    )


@pytest.fixture
def newsroom(time_machine):
    """Posts in every state around DAY, seen from the morning after."""
    time_machine.move_to(at(DAY + timedelta(days=1), 8), tick=False)
    essays, news = CategoryFactory(name="Essays"), CategoryFactory(name="News")
    ada, bob = AuthorFactory(username="ada"), AuthorFactory(username="bob")
    PostFactory(author=ada, category=essays, published_at=at(DAY, 0, 0))
    PostFactory(author=ada, category=news, published_at=at(DAY, 23, 59))
    PostFactory(author=bob, category=None, published_at=at(DAY, 12))
    PostFactory(author=bob, category=news, published_at=at(DAY - timedelta(days=1), 23, 59))
    PostFactory(author=bob, category=news, published_at=at(DAY + timedelta(days=1), 7))
    PostFactory(author=bob, scheduled=True)
    PostFactory(author=ada, draft=True)
    PostFactory(author=ada, draft=True)
    UserFactory.create_batch(3, date_joined=at(DAY, 9))
    UserFactory(date_joined=at(DAY - timedelta(days=2), 9))


def test_report_counts_the_day_in_the_site_time_zone(newsroom):
    report = report_build(day=DAY)

    assert (report.published_count, report.scheduled_count, report.draft_count) == (3, 1, 2)
    assert report.per_category == {"Essays": 1, "News": 1, "(no category)": 1}
    assert report.per_author == {"ada": 2, "bob": 1}
    # 3 joined that day; ada, bob (and the factories' authors) joined "now", the next day.
    assert report.new_users_count == 3
    assert report.generated_at == timezone.now()


def test_day_boundaries_follow_time_zone(settings, newsroom):
    # UTC+9: the day runs from 15:00 UTC the day before to 15:00 UTC, so ada's 23:59 post
    # falls on the next day and bob's of the evening before on this one.
    settings.TIME_ZONE = "Asia/Tokyo"
    assert report_build(day=DAY).per_author == {"ada": 1, "bob": 2}


def test_building_twice_refreshes_the_one_report(newsroom, time_machine):
    first = report_build(day=DAY)
    PostFactory(published_at=at(DAY, 15))
    time_machine.shift(timedelta(minutes=5))

    second = report_build(day=DAY)

    assert Report.objects.count() == 1 and second.pk == first.pk
    assert second.published_count == 4
    assert second.generated_at > first.generated_at


def test_recipients_are_active_staff_who_may_read_reports():
    EditorFactory(email="editor@example.com")
    UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    AuthorFactory(email="author@example.com")
    EditorFactory(email="gone@example.com", is_active=False)
    UserFactory(email="reader@example.com")

    assert report_recipients() == ["editor@example.com", "root@example.com"]


def test_task_builds_and_mails_once_however_often_it_runs(
    newsroom, django_capture_on_commit_callbacks
):
    EditorFactory(email="editor@example.com")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            build_report.delay()  # default: yesterday, which is DAY

    report = Report.objects.get()
    assert report.day == DAY and report.mailed_at is not None
    assert len(mail.outbox) == 1
    (message,) = mail.outbox
    assert message.to == ["editor@example.com"]
    assert "2026-03-10" in message.subject
    assert "Published that day: 3" in message.body and "ada: 2" in message.body


def test_smtp_down_is_retried_with_backoff_then_logged_and_mailed_later(
    settings, caplog, monkeypatch, newsroom
):
    EditorFactory(email="editor@example.com")
    report = report_build(day=DAY)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    assert (mail_report.max_retries, mail_report.retry_backoff_max) == (10, 60)

    # In-process, retries run at once (a worker waits 5, 10, 20 ... s, at most 60 s).
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)
    with caplog.at_level(logging.WARNING):
        result = mail_report.apply(args=[report.pk], task_id="smtp-down-1")

    assert result.failed() and isinstance(result.result, ConnectionRefusedError)

    assert caplog.text.count("blog.tasks.mail_report[smtp-down-1] will retry") == 10
    assert "blog.tasks.mail_report[smtp-down-1] failed" in caplog.text
    report.refresh_from_db()
    assert report.mailed_at is None  # the failed send released its claim

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_report.apply(args=[report.pk]).get() is True
    assert mail_report.apply(args=[report.pk]).get() is False
    assert len(mail.outbox) == 1


def test_mail_without_staff_is_not_claimed(newsroom):
    report = report_build(day=DAY)
    assert report_mail(report=report) is False
    report.refresh_from_db()
    assert report.mailed_at is None


def test_report_command_builds_one_day(newsroom):
    out = StringIO()
    call_command("report", "--date", "2026-03-10", stdout=out)
    call_command("report", "--date", "2026-03-10", stdout=StringIO())

    assert Report.objects.get().day == DAY
    assert "Published that day: 3" in out.getvalue()
    assert not mail.outbox
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("report", "--date", "10/03/2026")


def test_report_command_mails_on_request(newsroom):
    EditorFactory(email="editor@example.com")
    out = StringIO()
    call_command("report", "--date", "2026-03-10", "--mail", stdout=out)
    call_command("report", "--date", "2026-03-10", "--mail", stdout=out)
    assert len(mail.outbox) == 1
    assert "Mailed." in out.getvalue() and "Not mailed" in out.getvalue()


def test_editors_read_reports_in_admin_but_cannot_change_them(client_for, editor, author):
    report = Report.objects.create(
        day=DAY, published_count=3, per_category={"Essays": 2}, per_author={"ada": 3}
    )
    client = client_for(editor)

    listing = client.get("/admin/blog/report/")
    assert listing.status_code == 200 and "2026" in listing.text
    detail = client.get(f"/admin/blog/report/{report.pk}/change/")
    assert detail.status_code == 200
    assert "Essays" in detail.text and "ada" in detail.text
    assert 'name="published_count"' not in detail.text  # read-only: no form fields
    assert client.get("/admin/blog/report/add/").status_code == 403
    assert client.post(f"/admin/blog/report/{report.pk}/delete/").status_code == 403

    assert client_for(author).get("/admin/blog/report/").status_code == 403
