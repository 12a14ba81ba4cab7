"""The layout's member corner: a sign-up form on every (cached) reader page, "Signed in
as …" for a member, whose pages are never cached."""

from __future__ import annotations

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(db):
    return PostFactory(title="Lamps")


def test_every_reader_page_has_the_sign_up_form_and_stays_cached(client, post):
    for url in ["/", post.get_absolute_url(), "/archive/", "/search/?q=lamp"]:
        html = client.get(url).content.decode()
        form = html.split('<form class="footer-signup"')[1].split("</form>")[0]
        assert 'action="/members/signup/"' in form and 'type="email"' in form
        assert "csrfmiddlewaretoken" not in form  # the same bytes for every visitor
    first = client.get("/")
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    assert "csrftoken" not in again.cookies


def test_the_footer_form_signs_up_without_a_csrf_token(
    post, smtp, django_capture_on_commit_callbacks
):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        answer = strict.post("/members/signup/", {"email": "csrf@example.com"})
    assert answer.status_code == 303
    assert "Check your inbox" in strict.get(answer["Location"]).content.decode()
    assert smtp.rcpt_counts()["csrf@example.com"] == 1
    # The other member forms keep CSRF: the sign-in page is never cached.
    assert strict.post("/members/signin/", {"email": "csrf@example.com"}).status_code == 403


def test_a_signed_in_member_sees_their_name_and_never_a_cached_page(client, post, member, sign_in):
    client.get("/")  # a cached copy for anonymous readers
    sign_in(member)
    page = client.get("/")
    html = page.content.decode()
    assert "X-Page-Cache" not in page and "private" in page["Cache-Control"]
    assert 'Signed in as Ada · <a href="/members/account/">Account</a>' in html
    assert 'class="footer-signup"' not in html
    # Anonymous readers still get the form (their cached copy was not replaced).
    from django.test import Client

    anonymous = Client().get("/")
    assert anonymous["X-Page-Cache"] == "hit"
    assert 'class="footer-signup"' in anonymous.content.decode()
    assert "Signed in as" not in anonymous.content.decode()


def test_anonymous_reader_pages_make_no_query_for_the_member_corner(
    client, post, django_assert_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(post.get_absolute_url())
    with django_assert_num_queries(0):  # the post page from kept pieces, as before
        html = client.get(post.get_absolute_url()).content.decode()
    assert 'class="footer-signup"' in html


def header(html: str) -> str:
    return html.split('<header class="site-header">')[1].split("</header>")[0]


def test_the_header_offers_readers_sign_in_members_their_account_staff_the_admin(
    client, post, member, sign_in, client_for, editor
):
    from django.test import Client

    anonymous = header(Client().get("/").content.decode())
    assert '<a href="/members/signin/">Sign in</a>' in anonymous
    assert "/accounts/login" not in anonymous and "Log in" not in anonymous
    cached = Client().get("/")
    assert cached["X-Page-Cache"] == "hit"  # the same bytes for every anonymous reader
    assert header(cached.content.decode()) == anonymous

    sign_in(member)
    theirs = header(client.get("/").content.decode())
    assert '<a href="/members/account/">Account</a>' in theirs and "Sign in" not in theirs

    staff = header(client_for(editor).get("/").content.decode())
    assert "/admin/" in staff and "Log out" in staff and "Sign in" not in staff
