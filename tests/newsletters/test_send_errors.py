"""What a failed send becomes, against real servers: an HTTP server posing as the
provider's API behind django-anymail's Postmark backend, and the `smtp` fixture.

    a 4xx answer        → failed after one attempt (not retried eight times)
    429 / 5xx           → retried later
    no answer in time   → uncertain: the provider may have it, never sent again
    nobody listening    → retried (nothing was sent)
    SMTP hang-up after DATA → uncertain, never sent again
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from devservers import free_port
from members.models import Member
from newsletters import sending, tasks
from newsletters.models import Delivery, Issue, Newsletter, Subscription
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


class FakeProvider(ThreadingHTTPServer):
    """Postmark's `POST /email`, answering each recipient as `answers` says: an HTTP
    status (422, 429, 500), "slow" (accepts it, answers after the client gave up), or by
    default 200 with a message id. `received` counts what reached it per address."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", free_port()), _ProviderHandler)
        self.answers: dict[str, int | str] = {}
        self.received: Counter[str] = Counter()
        self.release = threading.Event()  # ends the slow answers' wait at teardown

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _ProviderHandler(BaseHTTPRequestHandler):
    server: FakeProvider

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        to = payload["To"].lower()
        self.server.received[to] += 1
        answer = self.server.answers.get(to, 200)
        if answer == "slow":
            self.server.release.wait(5)
            answer = 200
        if answer == 200:
            body = {"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{to}", "To": to}
        elif answer == 422:
            body = {"ErrorCode": 300, "Message": "Invalid 'From' address: 'nobody'."}
        else:
            body = {"ErrorCode": 0, "Message": "Try again later"}
        data = json.dumps(body).encode()
        self.send_response(answer)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def provider(settings):
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "test-token",
        "POSTMARK_API_URL": server.url,
        "REQUESTS_TIMEOUT": 0.5,
    }
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def issue(settings):
    settings.NEWSLETTER_RETRY_SECONDS = 0  # a retry is due at once
    newsletter = Newsletter.objects.create(name="Quay", slug="quay")
    for name in ("ok", "refused", "busy", "broken", "slow"):
        member = Member.objects.create(email=f"{name}@example.org", status=Member.Status.ACTIVE)
        Subscription.objects.create(member=member, newsletter=newsletter)
    return Issue.objects.create(newsletter=newsletter, post=PostFactory(), subject="Quay")


def outcome(email: str) -> Delivery:
    return Delivery.objects.get(email=email)


def test_provider_answers_are_classified_and_nothing_uncertain_is_sent_again(provider, issue):
    provider.answers.update(
        {
            "refused@example.org": 422,
            "busy@example.org": 429,
            "broken@example.org": 500,
            "slow@example.org": "slow",
        }
    )

    tasks.send_issue(issue.pk)

    assert outcome("ok@example.org").status == Delivery.Status.SENT
    assert outcome("ok@example.org").message_id == "pm-ok@example.org"
    refused = outcome("refused@example.org")
    assert (refused.status, refused.attempts) == (Delivery.Status.FAILED, 1)
    assert "422" in refused.error
    for retried in ("busy@example.org", "broken@example.org"):
        assert (outcome(retried).status, outcome(retried).attempts) == ("pending", 1)
    assert outcome("slow@example.org").status == Delivery.Status.UNCERTAIN

    # The provider is fine again: the busy ones are sent, nothing else is tried again.
    provider.answers.clear()
    provider.release.set()
    tasks.send_issue(issue.pk)

    assert provider.received == {
        "ok@example.org": 1,
        "refused@example.org": 1,
        "busy@example.org": 2,
        "broken@example.org": 2,
        "slow@example.org": 1,
    }
    assert outcome("busy@example.org").status == Delivery.Status.SENT
    assert outcome("refused@example.org").status == Delivery.Status.FAILED
    assert outcome("slow@example.org").status == Delivery.Status.UNCERTAIN
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT


def test_a_provider_nobody_answers_at_is_retried_nothing_was_sent(settings, issue):
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "test-token",
        "POSTMARK_API_URL": f"http://127.0.0.1:{free_port()}/",  # nothing listens
    }
    sending.send_batch(issue.pk, batch_size=1)

    first = issue.deliveries.order_by("pk").first()
    assert (first.status, first.attempts) == (Delivery.Status.PENDING, 1)
    assert "Connection" in first.error


def test_an_smtp_server_hanging_up_after_the_data_leaves_it_uncertain(smtp, issue):
    smtp.hang_up_after_data.add("busy@example.org")

    tasks.send_issue(issue.pk)  # the hang-up breaks the connection: the batch stops
    smtp.hang_up_after_data.clear()
    for _ in range(3):
        tasks.send_issue(issue.pk)

    assert outcome("busy@example.org").status == Delivery.Status.UNCERTAIN
    assert smtp.rcpt_counts() == {
        f"{name}@example.org": 1 for name in ("ok", "refused", "busy", "broken", "slow")
    }
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.SENT
