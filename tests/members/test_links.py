"""Links: single use, short-lived, bound to the address; the GET consumes nothing."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import Member, SignInLink
from tests.members.conftest import last_link_to

pytestmark = pytest.mark.django_db

REQUEST_1, REQUEST_2 = "0" * 31 + "1", "0" * 31 + "2"  # uuid hex, as services makes them


@pytest.fixture
def sign_in_link(client, smtp, member, post_on_commit) -> str:
    post_on_commit("/members/signin/", {"email": member.email})
    return last_link_to(smtp, member.email)


def test_a_link_signs_in_once(client, sign_in_link, member, post_on_commit):
    for _ in range(3):  # prefetching mail scanners
        page = client.get(sign_in_link)
        assert page.status_code == 200 and "Sign in" in page.content.decode()
    assert SignInLink.objects.get().used_at is None
    assert client.get("/members/account/").status_code == 302  # not signed in by a GET

    assert post_on_commit(sign_in_link).status_code == 302
    assert client.get("/members/account/").status_code == 200
    member.refresh_from_db()
    assert member.last_seen_at is not None

    again = post_on_commit(sign_in_link)
    assert again.status_code == 410
    assert "This link no longer works" in again.content.decode()
    assert 'href="/members/signin/"' in again.content.decode()  # a new link, one click away
    assert client.get(sign_in_link).status_code == 410


def test_a_sign_in_link_expires_after_fifteen_minutes(
    client, smtp, member, post_on_commit, time_machine, settings
):
    assert settings.MEMBERS_SIGN_IN_LINK_MINUTES == 15
    time_machine.move_to(timezone.now(), tick=False)
    post_on_commit("/members/signin/", {"email": member.email})
    link = last_link_to(smtp, member.email)
    time_machine.shift(timedelta(minutes=15) - timedelta(seconds=1))
    assert client.get(link).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    assert client.get(link).status_code == 410
    assert post_on_commit(link).status_code == 410
    assert client.get("/members/account/").status_code == 302


def test_a_link_is_bound_to_the_address_it_was_sent_to(
    client, sign_in_link, member, post_on_commit
):
    Member.objects.filter(pk=member.pk).update(email="ada@elsewhere.example")
    assert client.get(sign_in_link).status_code == 410
    assert post_on_commit(sign_in_link).status_code == 410
    assert client.get("/members/account/").status_code == 302


def test_an_unknown_token_gets_the_same_page_as_a_used_one(client, post_on_commit):
    page = client.get("/members/link/not-a-token-of-ours/")
    assert page.status_code == 410 and "This link no longer works" in page.content.decode()
    assert post_on_commit("/members/link/not-a-token-of-ours/").status_code == 410


def test_a_request_mails_at_most_one_link_even_if_its_task_comes_again(member, smtp):
    from members.tasks import mail_link

    assert mail_link.run(member.email, "", REQUEST_1) is True
    assert mail_link.run(member.email, "", REQUEST_1) is False  # redelivered: no mail
    assert smtp.rcpt_counts()[member.email] == 1
    link = SignInLink.objects.get()
    assert link.sent_at is not None and link.request_key.hex == REQUEST_1


def test_a_refused_send_gives_the_link_back_for_a_retry(member, smtp):
    from members.tasks import NotSent, mail_link

    smtp.refuse[member.email] = 450
    with pytest.raises(NotSent) as refused:
        mail_link.run(member.email, "", REQUEST_2)
    assert isinstance(refused.value.__cause__, smtplib.SMTPRecipientsRefused)
    assert not SignInLink.objects.exists()  # not accepted: the retry may send one
    smtp.refuse.clear()
    assert mail_link.run(member.email, "", REQUEST_2) is True
    assert smtp.rcpt_counts()[member.email] == 1


def test_the_request_touches_no_member_row_the_task_does(
    client, django_capture_on_commit_callbacks, member
):
    """What makes timing equal: a sign-up request only counts and enqueues."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for address in [member.email, "unknown@example.com"]:
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            assert client.post("/members/signup/", {"email": address}).status_code == 303
        assert not [q for q in queries.captured_queries if "members_" in q["sql"]]
        assert len(callbacks) == 1


def test_signing_out_drops_the_session(client, sign_in_link, post_on_commit, settings):
    post_on_commit(sign_in_link)
    asked = client.get("/members/signout/")  # a page with the button, signing no one out
    assert asked.status_code == 200 and "<button" in asked.content.decode()
    assert client.get("/members/account/").status_code == 200
    response = client.post("/members/signout/")
    assert response.status_code == 200
    assert "You are signed out on this browser." in response.content.decode()
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == ""
    assert client.get("/members/account/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_uses_of_one_link_only_one_signs_in(smtp):
    """The conditional UPDATE decides, not a row lock (which SQLite ignores): the second
    use runs to its end while the first has read the link as unused, and still only
    one of them signs in."""
    import threading

    from django.db import connection

    from members import services
    from members.tasks import mail_link

    services.create_member(email="race@example.com", source="admin", confirmed=True)
    mail_link.run("race@example.com", "", REQUEST_1)
    token = last_link_to(smtp, "race@example.com").rstrip("/").rsplit("/", 1)[-1]
    results, started = {}, []

    def second() -> None:
        try:
            results["second"] = services.use_link(token)
        finally:
            connection.close()

    def after_the_first_read(execute, sql, params, many, context):
        outcome = execute(sql, params, many, context)
        if not started and sql.lstrip().upper().startswith("SELECT") and "signinlink" in sql:
            other = threading.Thread(target=second)
            started.append(other)
            other.start()
            other.join(timeout=5)  # PostgreSQL's old row lock would hold it: then it waits
        return outcome

    with connection.execute_wrapper(after_the_first_read):
        results["first"] = services.use_link(token)
    started[0].join(timeout=20)
    winners = [who for who, member in results.items() if member is not None]
    assert len(winners) == 1, results
    assert SignInLink.objects.get().used_at is not None


def test_signing_out_everywhere_revokes_unused_links(
    client, sign_in_link, member, member_client, post_on_commit
):
    assert member_client.post("/members/account/sign-out-everywhere/").status_code == 200
    assert client.get(sign_in_link).status_code == 410
    assert post_on_commit(sign_in_link).status_code == 410
    assert client.get("/members/account/").status_code == 302
