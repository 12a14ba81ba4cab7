"""The e-mail's "view in browser" link: the same e-mail as a page, for the member it was
sent to, with no login; members-only posts in full only with that member's genuine link."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from blog.models import Post
from blog.services import post_unpublish
from newsletters.mail import view_token
from newsletters.models import Issue
from tests.factories import PostFactory
from tests.newsletters.email_setup import (
    delivery,
    member,
    newsletter,
    parts,
    post_issue,
    sent,
    with_payload,
)

pytestmark = pytest.mark.django_db


def view_link(html: str) -> str:
    return re.search(r'<a href="http://testserver([^"]+)"[^>]*>View in browser</a>', html)[1]


def card_text(html: str) -> str:
    """What a reader reads in the e-mail's column (title to the last paragraph)."""
    card = html.split('<td class="card"', 1)[1].split('<td class="footer"', 1)[0]
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", card.split(">", 1)[1]))
    return " ".join(text.split())


def test_the_page_shows_what_the_email_shows(smtp, client):
    post = PostFactory(
        title="Night at the quay", body="First words.\n\n## Later\n\n- a list\n\n`code` too."
    )
    letter = newsletter()
    ada = member()
    issue = post_issue(post, letter)
    [message] = sent(smtp, issue, delivery(issue, ada))
    _, email_html = parts(message)

    response = client.get(view_link(email_html))
    assert response.status_code == 200
    page = response.content.decode()
    assert card_text(page) == card_text(email_html)
    assert "First words." in card_text(page) and "Night at the quay" in card_text(page)
    assert "View in browser" not in page  # no link to itself
    assert '<meta name="robots" content="noindex">' in page and response["X-Robots-Tag"]
    assert "private" in response["Cache-Control"]
    # Still the member's own page: their unsubscribe link is there.
    unsubscribe = re.search(r'href="([^"]+/newsletters/unsubscribe/[^"]+)"', email_html)[1]
    assert unsubscribe in page


def test_a_members_only_post_in_full_only_with_the_members_own_link(smtp, client):
    post = PostFactory(
        title="For members", body="The secret harbour.", audience=Post.Audience.MEMBERS
    )
    issue = post_issue(post, newsletter())
    ada, eve = member("ada@example.com"), member("eve@example.com")
    [message] = sent(smtp, issue, delivery(issue, ada))  # Eve was not sent this issue

    own = client.get(view_link(parts(message)[1]))
    assert own.status_code == 200 and "The secret harbour." in own.content.decode()

    # A genuine link, but for a member who never received it: the post's page instead
    # (its title, excerpt and an invitation), never the body.
    other = client.get(f"/newsletters/view/{view_token(issue.pk, eve.pk)}/")
    assert other.status_code == 302 and other["Location"] == post.get_absolute_url()

    # A deleted member's link no longer opens it.
    ada.delete()
    gone = client.get(view_link(parts(message)[1]))
    assert gone.status_code == 302


def test_a_link_shows_its_own_issue_only(smtp, client):
    first = post_issue(PostFactory(title="First issue", body="One."), newsletter())
    second = Issue.objects.create(
        newsletter=first.newsletter, post=PostFactory(title="Second issue"), subject="x"
    )
    ada = member()
    [message] = sent(smtp, first, delivery(first, ada))
    link = view_link(parts(message)[1])
    page = client.get(link).content.decode()
    assert "First issue" in page and "Second issue" not in page
    # Pointing the token at the other issue breaks its signature.
    token = link.split("/")[-2]
    forged = with_payload(token, [second.pk, ada.pk])
    response = client.get(f"/newsletters/view/{forged}/")
    assert response.status_code == 400
    assert "not one we sent" in response.content.decode()


def test_a_post_taken_down_is_no_longer_shown(smtp, client, editor):
    post = PostFactory(title="Retracted", body="Words we took back.")
    issue = post_issue(post, newsletter())
    ada = member()
    [message] = sent(smtp, issue, delivery(issue, ada))
    post_unpublish(post=post, user=editor)
    response = client.get(view_link(parts(message)[1]))
    assert response.status_code == 404
    assert "Words we took back." not in response.content.decode()


def test_the_digest_in_the_browser(smtp, client):
    from datetime import UTC, date, datetime

    PostFactory(title="Nets", published_at=datetime(2025, 3, 4, 9, tzinfo=UTC))
    letter = newsletter(slug="weekly", cadence="weekly")
    issue = Issue.objects.create(newsletter=letter, week=date(2025, 3, 3), subject="")
    ada = member()
    [message] = sent(smtp, issue, delivery(issue, ada))
    _, email_html = parts(message)
    page = client.get(view_link(email_html)).content.decode()
    assert card_text(page) == card_text(email_html)
    assert "The week of 3 March 2025" in page and "Nets" in page
