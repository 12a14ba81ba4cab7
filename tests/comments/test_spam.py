"""Spam and abuse (issue 32, point 3): honeypot, minimum time, rate limits per member and
per address, links cap, blocklist, duplicates, bans, and the optional Akismet-compatible
check against a stand-in server of ours. With a flood: the limits hold."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.core import signing
from django.utils import timezone

from comments import moderation, spam
from comments.forms import CommentForm, rendered_stamp
from comments.models import BlockedTerm, Comment, CommentPolicy
from comments.spam import Draft, run_checks
from tests.comments.conftest import shown
from tests.comments.moderation_data import make_comment, make_member
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return PostFactory(title="Ferries")


def draft(post, member=None, body="A fair point about the ferries.", **fields) -> Draft:
    values = {
        "post": post,
        "member": member if member is not None else make_member(),
        "body": body,
        "parent": None,
        "client_ip": "203.0.113.7",
        "rendered_at": time.time() - 30,  # the form was shown 30 s ago
        "honeypot": "",
    }
    return Draft(**(values | fields))


def post_through_checks(d: Draft) -> str | None:
    """What the write path does with a verdict: store unless refused (spam as spam)."""
    verdict = run_checks(d)
    if spam.is_refusal(verdict):
        return verdict
    Comment.objects.create(
        post=d.post,
        member=d.member,
        author_name=d.member.name,
        author_email=d.member.email,
        body=d.body,
        status=Comment.Status.SPAM if verdict == spam.SPAM else Comment.Status.PENDING,
        created_at=timezone.now(),
        client_ip=d.client_ip,
    )
    return verdict


def test_an_ordinary_comment_passes(post):
    assert run_checks(draft(post)) is None


def test_a_filled_honeypot_is_refused_with_a_message_a_person_understands(post):
    verdict = run_checks(draft(post, honeypot="http://buy.example"))
    assert spam.is_refusal(verdict)
    assert "must stay empty" in spam.refusal_message(verdict)


def test_the_form_carries_a_time_signed_by_the_spam_module_and_a_honeypot():
    signed = rendered_stamp()
    assert abs(spam.render_time(signed) - time.time()) < 5
    assert spam.render_time(signed[:-2] + "xx") is None  # forged
    assert spam.render_time("1700000000") is None  # unsigned
    form = CommentForm({"body": "Hi", spam.RENDERED_FIELD: signed, spam.HONEYPOT_FIELD: ""})
    assert form.is_valid()
    assert 0 <= form.form_seconds() < 5
    # One signer: a time signed as spam signs it is the form's time; anything else is not.
    earlier = spam.sign_render_time(time.time() - 60)
    form = CommentForm({"body": "Hi", spam.RENDERED_FIELD: earlier})
    assert form.is_valid() and 59 < form.form_seconds() < 65
    other_salt = signing.dumps(time.time() - 60, salt="comments.form.rendered")
    form = CommentForm({"body": "Hi", spam.RENDERED_FIELD: other_salt})
    assert form.is_valid() and form.form_seconds() is None


def test_posting_too_fast_without_a_time_or_with_a_stale_form_is_refused(post):
    CommentPolicy.objects.create(pk=1, min_seconds_to_post=3)
    too_fast = run_checks(draft(post, rendered_at=time.time() - 1))
    assert "wait a few seconds" in spam.refusal_message(too_fast)
    assert "Reload the page" in spam.refusal_message(run_checks(draft(post, rendered_at=None)))
    stale = run_checks(draft(post, rendered_at=time.time() - 2 * 86400))
    assert "Reload the page" in spam.refusal_message(stale)
    assert run_checks(draft(post, rendered_at=time.time() - 4)) is None


def test_links_are_capped_by_the_policy(post):
    CommentPolicy.objects.create(pk=1, max_links=2)
    two = "See [this](https://a.example/x) and https://b.example/y."
    three = two + " Also www.c.example."
    assert spam.count_links(three) == 3
    assert run_checks(draft(post, body=two)) is None
    verdict = run_checks(draft(post, body=three))
    assert spam.refusal_message(verdict) == "A comment may contain at most 2 links."


@pytest.mark.parametrize(
    ("body", "blocked"),
    [
        ("Buy CHEAP   pills here", True),
        ("cheap pills!", True),
        ("a cheap pillow", False),  # whole words only
        ("Go to https://spam.example/offer", True),
        ("Go to http://www.shop.SPAM.example", True),  # a subdomain, any case
        ("Write to me at sales@spam.example", True),
        ("I like notspam.example a lot", False),  # another domain that ends alike
        ("spam.example.org is fine", False),
        ("Nothing to see here", False),
    ],
)
def test_the_blocklist_sends_words_and_domains_to_spam(post, body, blocked):
    BlockedTerm.objects.create(kind="word", term="cheap pills")
    BlockedTerm.objects.create(kind="domain", term="spam.example")
    CommentPolicy.objects.create(pk=1, max_links=5)
    assert run_checks(draft(post, body=body)) == (spam.SPAM if blocked else None)


def test_the_same_words_twice_on_a_post_within_a_day_are_refused(post):
    member = make_member()
    make_comment(post, member, body="Great  post!")
    verdict = run_checks(draft(post, member, body="great post!"))
    assert spam.refusal_message(verdict) == "You already posted this comment."
    assert run_checks(draft(PostFactory(), member, body="Great post!")) is None  # other post
    assert run_checks(draft(post, make_member(), body="Great post!")) is None  # other member
    old = make_comment(post, member, body="Old words", minutes_ago=25 * 60)
    assert run_checks(draft(post, member, body=old.body)) is None


def test_a_banned_member_is_refused(post, editor):
    member = make_member()
    moderation.ban_member(member, editor, "Abuse")
    verdict = run_checks(draft(post, member))
    assert spam.refusal_message(verdict) == "You can no longer comment on this site."


def test_rates_parse():
    assert spam.parse_rate("5/minute") == (5, 60)
    assert spam.parse_rate("30/hour") == (30, 3600)
    assert spam.parse_rate("2/days") == (2, 86400)
    assert spam.parse_rate("7/90") == (7, 90)


def test_a_flood_from_one_member_stops_at_the_member_limits(post, settings):
    settings.COMMENTS_RATE_PER_MEMBER = ["5/minute", "30/hour"]
    settings.COMMENTS_RATE_PER_ADDRESS = ["1000/hour"]
    member = make_member()
    verdicts = [
        post_through_checks(
            draft(post, member, body=f"Flood {n}", client_ip=f"198.51.100.{n % 200}")
        )
        for n in range(200)
    ]
    assert Comment.objects.filter(member=member).count() == 5
    refusals = [v for v in verdicts if spam.is_refusal(v)]
    assert len(refusals) == 195
    assert "faster than this site allows" in spam.refusal_message(refusals[-1])


def test_a_flood_from_many_members_on_one_address_stops_at_the_address_limit(post, settings):
    settings.COMMENTS_RATE_PER_MEMBER = ["5/minute", "30/hour"]
    settings.COMMENTS_RATE_PER_ADDRESS = ["20/hour"]
    members = [make_member() for _ in range(50)]
    for n in range(200):
        post_through_checks(draft(post, members[n % 50], body=f"Flood {n}", client_ip="192.0.2.9"))
    assert Comment.objects.count() == 20
    # Another address is not held back by this one.
    assert post_through_checks(draft(post, make_member(), client_ip="192.0.2.10")) is None


def test_the_counters_hold_under_concurrent_attempts():
    """32 threads at once, 200 attempts: exactly the limit gets through (one atomic
    increment per attempt, whichever cache is configured)."""

    def attempt(_):
        return spam.hit("flood-test", 20, 3600) is None

    with ThreadPoolExecutor(max_workers=32) as pool:
        allowed = sum(pool.map(attempt, range(200)))
    assert allowed == 20


# --- The Akismet-compatible check, against a stand-in server of ours -----------------------


class StandIn:
    """A tiny Akismet-compatible server on loopback: answers `verdict` to comment-check
    and keeps what it was sent."""

    def __init__(self):
        self.received: list[dict] = []
        self.paths: list[str] = []
        self.verdict = "false"
        self.status = 200
        self.delay = 0.0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                stand_in.paths.append(self.path)
                stand_in.received.append({k: v[0] for k, v in parse_qs(body).items()})
                if stand_in.delay:
                    time.sleep(stand_in.delay)  # the server is slow, not the test
                answer = stand_in.verdict.encode()
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def akismet(settings):
    server = StandIn()
    settings.COMMENTS_AKISMET_URL = server.url
    settings.COMMENTS_AKISMET_KEY = "test-key-123"
    settings.COMMENTS_AKISMET_TIMEOUT_SECONDS = 1
    yield server
    server.close()


def test_akismet_is_off_by_default(post, settings):
    server = StandIn()
    try:
        assert settings.COMMENTS_AKISMET_URL == ""
        assert run_checks(draft(post)) is None
        assert server.received == []
    finally:
        server.close()


def test_akismet_true_is_spam_and_it_is_sent_the_documented_fields(post, akismet):
    akismet.verdict = "true"
    member = make_member(email="ana@example.com", name="Ana")
    parent = make_comment(post, status=Comment.Status.APPROVED)
    verdict = run_checks(
        draft(post, member, body="Nice words", parent=parent, user_agent="Firefox/140")
    )
    assert verdict == spam.SPAM
    assert akismet.paths == ["/1.1/comment-check"]
    sent = akismet.received[0]
    assert sent["api_key"] == "test-key-123"
    assert sent["blog"] == "http://testserver"
    assert sent["permalink"] == f"http://testserver{post.get_absolute_url()}"
    assert sent["user_ip"] == "203.0.113.7"
    assert sent["user_agent"] == "Firefox/140"
    assert sent["comment_type"] == "reply"
    assert (sent["comment_author"], sent["comment_author_email"]) == ("Ana", "ana@example.com")
    assert sent["comment_content"] == "Nice words"
    assert sent["blog_charset"] == "UTF-8"


def test_akismet_false_accepts(post, akismet):
    assert run_checks(draft(post)) is None
    assert len(akismet.received) == 1


def test_akismet_is_not_asked_about_what_our_checks_refused(post, akismet):
    run_checks(draft(post, honeypot="bot"))
    BlockedTerm.objects.create(kind="word", term="casino")
    assert run_checks(draft(post, body="casino night")) == spam.SPAM
    assert akismet.received == []


@pytest.mark.parametrize("trouble", ["invalid", "error", "slow", "down"])
def test_akismet_trouble_accepts_the_comment_and_logs_it(post, akismet, caplog, trouble):
    if trouble == "invalid":
        akismet.verdict = "invalid"
    elif trouble == "error":
        akismet.status = 500
    elif trouble == "slow":
        akismet.delay = 1.5  # past the 1 s deadline
    else:
        akismet.close()
    started = time.monotonic()
    assert run_checks(draft(post)) is None
    assert time.monotonic() - started < 1.4  # the deadline bounds the wait
    assert "Akismet-compatible check gave no verdict" in caplog.text


def test_akismet_is_sent_the_browsers_user_agent_and_referrer(akismet, commenter_client):
    post = PostFactory()
    page = f"http://testserver{post.get_absolute_url()}"
    response = commenter_client.post(
        f"/comments/post/{post.pk}/",
        shown({"body": "From a browser"}),
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
        HTTP_REFERER=page,
    )
    assert response.status_code == 302
    [sent] = akismet.received
    assert sent["user_agent"] == "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    assert sent["referrer"] == page
    assert sent["comment_content"] == "From a browser"
