"""Profile editing per role, in Chromium (issue 29.6): a Contributor and an Author edit
their own public profile from "My profile" and see it on their author page and their
posts' author card; an Editor edits a writer's; a Contributor cannot open another user.
And the password pages a new writer meets (29.11): the invitation, the forgotten password.

Screenshots: `profile` (a writer's own profile form), `profile-author-card` (their post
with the new card) and `profile-editor` (an editor on a writer's user page), in
`BROADSHEET_SCREENSHOTS` when it is set.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, ContributorFactory, EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def writers(db):
    EditorFactory(username="ed", password=PASSWORD, display_name="Eddie Editor")
    cora = ContributorFactory(username="cora", password=PASSWORD, display_name="Cora C")
    wren = AuthorFactory(username="wren", password=PASSWORD, display_name="Wren W")
    # An editor published one post of each: their author pages exist.
    posts = {
        "cora": PostFactory(author=cora, title="Tide tables explained"),
        "wren": PostFactory(author=wren, title="The quay at dawn"),
    }
    return {"cora": cora, "wren": wren, "posts": posts}


def edit_own_profile(page, name: str, bio: str, avatar: Path | None = None) -> None:
    page.get_by_role("link", name="My profile").click()
    page.wait_for_url("**/admin/accounts/user/profile/")
    page.fill("#id_display_name", name)
    page.fill("#id_bio", bio)
    if avatar:
        page.set_input_files("#id_avatar", str(avatar))
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_load_state()
    assert "Your profile is saved" in page.locator(".messagelist").inner_text()


def reader_sees(page, live_server, username: str, post, name: str, bio: str) -> None:
    page.goto(f"{live_server.url}/author/{username}/")
    assert page.locator("h1").first.inner_text() == name
    assert page.locator(".bio").inner_text() == bio
    page.goto(live_server.url + post.get_absolute_url())
    card = page.locator(".author-card")
    assert name in card.inner_text() and bio in card.inner_text()


def test_profile_editing_per_role(log_in, live_server, writers, tmp_path):
    # A Contributor: their own profile, from the admin's top bar, with a picture.
    photo = tmp_path / "cora.jpg"
    Image.new("RGB", (640, 480), (30, 110, 160)).save(photo, "JPEG")
    page = log_in("cora")
    edit_own_profile(page, "Cora Castellano", "Writes about tides and timetables.", photo)
    assert page.locator("#id_display_name").input_value() == "Cora Castellano"
    assert page.locator("#id_is_superuser, #id_groups, #id_email").count() == 0
    shoot(page, "profile", full_page=False)
    reader_sees(
        page,
        live_server,
        "cora",
        writers["posts"]["cora"],
        "Cora Castellano",
        "Writes about tides and timetables.",
    )
    avatar = page.locator(".author-card img.avatar")
    avatar.scroll_into_view_if_needed()  # lazy-loaded: it loads once in view
    expect(avatar).to_have_js_property("complete", True)
    assert avatar.evaluate("img => img.naturalWidth") == 256
    shoot(page, "profile-author-card", full_page=False)
    # ... and nobody else's: another user's page is refused.
    response = page.goto(f"{live_server.url}/admin/accounts/user/{writers['wren'].pk}/change/")
    assert response.status == 403
    page.context.close()

    # An Author: the same.
    page = log_in("wren")
    edit_own_profile(page, "Wren Whitlock", "Photographs harbours at dawn.")
    reader_sees(
        page,
        live_server,
        "wren",
        writers["posts"]["wren"],
        "Wren Whitlock",
        "Photographs harbours at dawn.",
    )
    page.context.close()

    # An Editor: a writer's public profile, from the users' list.
    page = log_in("ed")
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.get_by_role("link", name="cora", exact=True).click()
    page.fill("#id_bio", "Writes about tides, timetables and tugboats.")
    shoot(page, "profile-editor", full_page=False)
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    reader_sees(
        page,
        live_server,
        "cora",
        writers["posts"]["cora"],
        "Cora Castellano",
        "Writes about tides, timetables and tugboats.",
    )
    page.context.close()


def test_an_invited_writer_chooses_a_password_and_lands_in_the_admin(browser, live_server, writers):
    """Issue 29.11: the invitation's link says "Choose a password" and ends in the admin,
    signed in; a writer who forgot it finds "forgotten" on the admin's login page."""
    from django.core import mail

    from accounts.invites import writer_invite

    writer_invite(email="sam@example.com", username="sam", display_name="Sam", role="Author")
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + urlsplit(link).path)
    assert page.locator("h1").inner_text() == "Choose a password"
    page.fill("#id_new_password1", "tidal-lantern-4471")
    page.fill("#id_new_password2", "tidal-lantern-4471")
    page.get_by_role("button", name="Choose a password").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert (
        "Your password is set and you are logged in." in page.locator(".messagelist").inner_text()
    )
    page.locator("#logout-form button").click()
    page.wait_for_load_state()

    # Forgotten: from the admin's login page, the same mail and back into the admin.
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_role("link", name="Forgotten your login credentials?").click()
    page.fill("#id_email", "sam@example.com")
    page.get_by_role("button", name="Reset your password").click()
    page.wait_for_load_state()
    assert "Check your email" in page.locator("h1").inner_text()
    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + urlsplit(link).path)
    assert page.locator("h1").inner_text() == "Choose a new password"
    page.fill("#id_new_password1", "harbour-lamp-9921")
    page.fill("#id_new_password2", "harbour-lamp-9921")
    page.get_by_role("button", name="Choose a new password").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    context.close()
