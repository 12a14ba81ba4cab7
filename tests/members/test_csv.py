"""CSV import (Ghost, Substack, Mailchimp, our own) and export, through the functions, the
command and the admin's pages."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from members.exporting import member_rows
from members.importing import ImportRefused, import_members
from members.models import Member
from newsletters.models import Subscription
from tests.factories import EditorFactory

from .conftest import FIXTURES, make_member

pytestmark = pytest.mark.django_db


def run(name: str, **options):
    with open(FIXTURES / name, "rb") as stream:
        return import_members(stream, **options)


def subscribed(email: str) -> list[str]:
    return sorted(
        Subscription.objects.filter(member__email=email).values_list("newsletter__slug", flat=True)
    )


def test_ghost_export(weekly, extra):
    summary = run("ghost-members.csv")
    assert summary.format == "ghost"
    assert (summary.rows, summary.created, summary.unsubscribed) == (5, 3, 1)
    assert [(s.line, s.reason) for s in summary.skipped] == [
        (5, "not a valid address"),
        (6, "repeats line 2"),  # Grace@Example.com: the same address, in another case
    ]
    grace = Member.objects.get(email="grace@example.com")
    assert (grace.name, grace.status, grace.source) == ("Grace Hopper", "active", "import")
    assert grace.created_at == datetime(2024, 1, 15, 10, 0, tzinfo=UTC)  # the source's date
    assert grace.note == "VIP, early backer\nGhost labels: conference, 2024"
    assert subscribed("grace@example.com") == ["weekly"]  # the default newsletters only
    assert subscribed("dorothy@example.com") == []  # subscribed_to_emails: false


def test_substack_export(weekly):
    summary = run("substack-subscribers.csv")
    assert (summary.format, summary.created, summary.unsubscribed) == ("substack", 4, 1)
    assert subscribed("quiet@example.org") == []  # email_disabled: true
    assert subscribed("paid@example.org") == ["weekly"]
    assert Member.objects.get(email="testing@example.org").created_at.year == 2018


def test_mailchimp_exports_subscribed_unsubscribed_and_cleaned(weekly):
    summary = run("mailchimp-subscribed.csv")
    assert (summary.format, summary.created, summary.unsubscribed) == ("mailchimp", 3, 0)
    ada = Member.objects.get(email="s2@example.net")
    assert ada.name == "Ada Lovelace" and 'Mailchimp tags: "Lorem Editors"' not in ada.note
    assert ada.note == "Mailchimp tags: Lorem Editors"
    first = Member.objects.get(email="s1@example.net")
    assert first.created_at == datetime(2023, 4, 21, 11, 16, 57, tzinfo=UTC)
    assert first.confirmed_at == datetime(2023, 4, 21, 11, 17, 30, tzinfo=UTC)
    assert Member.objects.get(email="s3@example.net").name == "Dolor Simet"

    summary = run("mailchimp-unsubscribed.csv")
    assert (summary.created, summary.unsubscribed) == (2, 2)
    assert subscribed("u1@example.net") == []

    summary = run("mailchimp-cleaned.csv")
    cleaned = Member.objects.get(email="c1@example.net")
    assert (summary.created, summary.unsubscribed) == (1, 1)
    assert cleaned.email_disabled_at is not None and "bounced" in cleaned.email_disabled_reason


def test_a_dry_run_changes_nothing_and_says_what_the_real_run_does(weekly):
    make_member("katherine@example.com")  # already a member, with no name
    dry = run("ghost-members.csv", dry_run=True)
    assert Member.objects.count() == 1 and Subscription.objects.count() == 0
    assert Member.objects.get().name == ""
    real = run("ghost-members.csv")
    assert (dry.created, dry.updated, dry.unchanged, len(dry.skipped)) == (2, 1, 0, 2)
    assert (real.created, real.updated, real.unchanged, len(real.skipped)) == (2, 1, 0, 2)
    assert "Dry run: nothing was saved" in dry.lines()[0]
    # Only a blank name is filled in; the member already here is not re-subscribed.
    assert Member.objects.get(email="katherine@example.com").name == "Katherine Johnson"
    assert subscribed("katherine@example.com") == []
    again = run("ghost-members.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_the_chosen_newsletter_replaces_the_defaults(weekly, extra):
    run("substack-subscribers.csv", newsletters=[extra])
    assert subscribed("paid@example.org") == ["extra"]
    assert subscribed("quiet@example.org") == []  # unsubscribed: still on none


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not"),
        ("name,address\nA,a@example.com\n".encode("utf-16"), "not"),
        (b"name,address\nAda,ada@example.com\n", "Unknown header"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_reason(content, message):
    with pytest.raises(ImportRefused, match=message):
        import_members(io.BytesIO(content))
    assert Member.objects.count() == 0


def test_a_plain_list_of_addresses_with_a_byte_order_mark(weekly):
    summary = import_members(io.BytesIO("\ufeffEmail,Name\nann@example.com,Ann\n".encode()))
    assert (summary.format, summary.created) == ("plain", 1)


def test_export_then_import_round_trips(weekly, extra):
    make_member("a@example.com", name="=HYPERLINK(evil)", newsletters=[weekly, extra])
    make_member("b@example.com", status=Member.Status.PENDING)
    disabled = make_member("c@example.com", newsletters=[weekly], email_disabled_reason="bounced")
    Member.objects.filter(pk=disabled.pk).update(email_disabled_at=datetime(2025, 1, 1, tzinfo=UTC))
    before = {
        m.email: (m.name, m.status, m.created_at, subscribed(m.email), m.email_disabled_reason)
        for m in Member.objects.all()
    }
    rows = list(member_rows(Member.objects.order_by("pk")))
    assert rows[0] == [
        "email", "name", "status", "created_at", "confirmed_at", "newsletters",
        "mail_disabled_reason",
    ]  # fmt: skip
    assert rows[1][1] == "'=HYPERLINK(evil)"  # a spreadsheet shows it, never runs it
    text = io.StringIO()
    import csv

    csv.writer(text).writerows(rows)
    Member.objects.all().delete()
    summary = import_members(io.BytesIO(text.getvalue().encode()))
    assert (summary.format, summary.created, summary.unsubscribed) == ("broadsheet", 3, 1)
    after = {
        m.email: (m.name, m.status, m.created_at, subscribed(m.email), m.email_disabled_reason)
        for m in Member.objects.all()
    }
    assert after == before
    assert Member.objects.get(email="c@example.com").email_disabled_at is not None


def test_no_cell_of_the_export_runs_as_a_formula_and_the_import_undoes_the_escape(weekly):
    """An address is a text cell like any other: `=cmd|'/Ccalc'!A0@example.com` passes
    every address check we have, and a spreadsheet would run it."""
    from newsletters.addresses import is_valid_email

    evil = "=cmd|'/ccalc'!a0@example.com"
    assert is_valid_email(evil)
    make_member(evil, name="@SUM(1+1)", newsletters=[weekly], email_disabled_reason="-bounced")
    make_member("+plus@example.com", name="-minus")
    rows = list(member_rows(Member.objects.order_by("pk")))[1:]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    assert rows[0][0] == "'" + evil and rows[0][1] == "'@SUM(1+1)"
    assert rows[0][6] == "'-bounced" and rows[1][0] == "'+plus@example.com"

    before = {m.email: (m.name, m.email_disabled_reason) for m in Member.objects.all()}
    import csv

    text = io.StringIO()
    csv.writer(text).writerows([next(iter(member_rows(Member.objects.none()))), *rows])
    Member.objects.all().delete()
    summary = import_members(io.BytesIO(text.getvalue().encode()))
    assert (summary.format, summary.created) == ("broadsheet", 2)
    assert {m.email: (m.name, m.email_disabled_reason) for m in Member.objects.all()} == before


def test_import_members_command(weekly, capsys):
    call_command("import_members", str(FIXTURES / "substack-subscribers.csv"), "--dry-run")
    assert "Dry run" in capsys.readouterr().out and Member.objects.count() == 0
    path = str(FIXTURES / "substack-subscribers.csv")
    call_command("import_members", path, "--newsletter", "weekly")
    out = capsys.readouterr().out
    assert "Created: 4" in out and Member.objects.count() == 4


def test_the_command_refuses_an_unknown_newsletter(weekly):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No newsletter"):
        call_command("import_members", str(FIXTURES / "ghost-members.csv"), "--newsletter", "nope")


def test_ten_thousand_rows_in_few_queries(weekly, django_assert_max_num_queries, capsys):
    lines = ["email,name,created_at"] + [
        f"reader{n}@example.com,Reader {n},2024-01-01T00:00:00Z" for n in range(10_000)
    ]
    data = ("\n".join(lines) + "\n").encode()
    started = time.perf_counter()
    # A handful per batch of 1,000 rows (SQLite splits a bulk insert in more statements),
    # none per row.
    with django_assert_max_num_queries(250):
        summary = import_members(io.BytesIO(data))
    seconds = time.perf_counter() - started
    assert summary.created == 10_000 and Subscription.objects.count() == 10_000
    with capsys.disabled():
        print(f"\nimport of 10,000 rows: {seconds:.2f} s")


# --- the admin's import page and export -------------------------------------------------


@pytest.fixture
def editor_client(client_for):
    return client_for(EditorFactory(username="member-editor"))


def test_the_admin_import_page_dry_run_then_import(editor_client, weekly):
    url = "/admin/members/member/import/"
    page = editor_client.get(url)
    assert page.status_code == 200 and b'name="dry_run"' in page.content
    with open(FIXTURES / "ghost-members.csv", "rb") as upload:
        response = editor_client.post(url, {"file": upload, "dry_run": "on"})
    assert response.status_code == 200
    assert response.content.count(b"Dry run: nothing was saved") == 1  # said once
    assert b"What the import would do" in response.content
    assert b"line 5: not-an-address: not a valid address" in response.content
    assert Member.objects.count() == 0
    with open(FIXTURES / "ghost-members.csv", "rb") as upload:
        response = editor_client.post(url, {"file": upload, "newsletters": [weekly.pk]})
    assert b"Import done" in response.content and Member.objects.count() == 3


def test_the_admin_import_page_says_why_a_file_is_refused(editor_client):
    upload = io.BytesIO(b"\x00\x01\x02binary")
    upload.name = "photo.csv"
    response = editor_client.post("/admin/members/member/import/", {"file": upload})
    assert response.status_code == 200 and b"binary data" in response.content


def test_the_export_button_exports_the_filtered_list(editor_client, weekly):
    make_member("in@example.com", newsletters=[weekly])
    make_member("out@example.com")
    response = editor_client.get(f"/admin/members/member/export/?newsletter={weekly.pk}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv"
    body = b"".join(response.streaming_content).decode()
    assert "in@example.com" in body and "out@example.com" not in body


def test_the_export_action(editor_client):
    chosen = make_member("chosen@example.com")
    make_member("other@example.com")
    response = editor_client.post(
        "/admin/members/member/",
        {"action": "export_csv", "_selected_action": [chosen.pk]},
    )
    body = b"".join(response.streaming_content).decode()
    assert "chosen@example.com" in body and "other@example.com" not in body
