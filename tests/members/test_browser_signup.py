"""A reader signs up from the home page's footer, confirms from the mail and chooses
newsletters, in headless Chromium; screenshots of the members' pages at phone and
desktop widths (`BROADSHEET_SCREENSHOTS=docs/screenshots` refreshes the docs' ones)."""

from __future__ import annotations

import pytest

from members.models import Member
from tests.browser.shots import shoot
from tests.factories import PostFactory
from tests.members.conftest import last_link_to, newsletter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=WIDTHS["desktop"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_reader_signs_up_from_the_footer_confirms_and_chooses_newsletters(
    page, live_server, smtp, browser
):
    PostFactory(title="Lighthouse keepers")
    newsletter("Every post", description="Each new post, the day it is published.", order=0)
    newsletter("Weekly digest", description="The week's posts, on Mondays.", order=1)
    newsletter("Events", subscribe_by_default=False, order=2)

    page.goto(live_server.url + "/")
    footer = page.locator("form.footer-signup")
    footer.get_by_label("Get new posts by e-mail").fill("reader@example.com")
    footer.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/members/check-inbox/?to=*")
    assert page.locator("h1").inner_text() == "Check your inbox"

    smtp.wait_for_count(1)
    link = last_link_to(smtp, "reader@example.com")
    page.goto(live_server.url + link)
    assert page.locator("h1").inner_text() == "Confirm your address"
    assert Member.objects.get().status == "pending"  # the GET confirmed nothing
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/members/account/")
    # Said once, by the page itself (no message repeating it).
    assert page.locator("main").get_by_text("You are signed in as").count() == 0
    assert "Signed in as reader@example.com" in page.locator(".account").inner_text()
    assert "Signed in as reader@example.com" in page.locator(".site-footer").inner_text()

    names = ("Every post", "Weekly digest", "Events")
    every, weekly, events = (page.get_by_label(name) for name in names)
    assert every.is_checked() and weekly.is_checked() and not events.is_checked()
    page.get_by_label("Name", exact=True).fill("Rea Der")
    weekly.uncheck()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Saved." in page.locator(".messages").inner_text()
    assert not page.get_by_label("Weekly digest").is_checked()
    member = Member.objects.get()
    assert member.name == "Rea Der" and member.status == "active"
    assert list(member.newsletters.values_list("name", flat=True)) == ["Every post"]

    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(live_server.url + "/members/account/")
        shoot(page, f"members-account-{width}")
        anonymous = browser.new_context(viewport=viewport, is_mobile=width == "phone")
        signup = anonymous.new_page()
        signup.goto(live_server.url + "/members/")
        assert signup.locator("h1").inner_text().startswith("Become a member")
        shoot(signup, f"members-signup-{width}")
        anonymous.close()
