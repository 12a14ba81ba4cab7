"""A signed-in member comments, replies and edits in Chromium, with and without
JavaScript; screenshots of a post with a thread at phone and desktop widths."""

import pytest
from django.conf import settings

from comments import services
from tests.browser.shots import shoot
from tests.comments.conftest import create_member, session_cookie_for, set_policy
from tests.factories import PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def member_page(browser, live_server, member, *, javascript=True, viewport=DESKTOP):
    context = browser.new_context(
        viewport=viewport,
        java_script_enabled=javascript,
        is_mobile=viewport["width"] < 500,
        has_touch=viewport["width"] < 500,
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie_for(member),
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def thread():
    # Comments appear at once, and the form may be sent as fast as a test types.
    set_policy(first_comment_needs_approval=False, min_seconds_to_post=0)
    post = PostFactory(
        title="Lighthouse keepers", body="The **lamp** never sleeps.\n\nKeepers trim the wick."
    )
    bob = create_member("bob@example.org", "Bob Stevenson")
    top = services.post_comment(post=post, member=bob, body="Who trims it *now*?")
    return post, top, create_member("ada@example.org", "Ada")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_member_comments_replies_and_edits(browser, live_server, thread, javascript):
    post, top, ada = thread
    page = member_page(browser, live_server, ada, javascript=javascript)
    url = live_server.url + post.get_absolute_url()
    page.goto(url)
    if javascript:
        page.evaluate("window.notReloaded = true")

    # A comment.
    page.get_by_label("Your comment").fill("The **keeper's** daughter, I hear.")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator(".comment", has_text="daughter, I hear")
    mine.wait_for()
    assert mine.locator("strong").inner_text() == "keeper's"
    assert mine.locator(".comment-author").inner_text() == "Ada"
    if javascript:
        assert page.evaluate("window.notReloaded") is True  # posted without a reload
        assert "posted" in page.locator("#comment-form-new .comment-status").inner_text()
    else:
        assert "#comment-" in page.url  # Post/Redirect/Get, back at the new comment
    # As a reload would show it: the heading counts it, and it can be replied to.
    assert page.locator("#comments-title").inner_text() == "Comments (2)"
    assert (
        page.locator("li.comment-item", has=mine).locator("summary", has_text="Reply").count() == 1
    )

    # A reply to Bob's comment, from the form under it.
    item = page.locator(f'li[data-comment="{top.pk}"]')
    item.locator("summary").click()
    item.get_by_label("Your reply").fill("Nobody since 1950.")
    item.get_by_role("button", name="Post reply").click()
    reply = item.locator(".comment-replies .comment", has_text="Nobody since 1950.")
    reply.wait_for()
    if javascript:
        assert page.evaluate("window.notReloaded") is True

    # An edit of the first comment, within its 10 minutes.
    page.locator(".comment", has_text="daughter, I hear").get_by_role("link", name="Edit").click()
    page.wait_for_url("**/edit/")
    page.get_by_label("Your comment").fill("The keeper's *son*, I hear.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{post.get_absolute_url()}*")
    edited = page.locator(".comment", has_text="son, I hear")
    edited.wait_for()
    assert edited.locator(".comment-edited").inner_text() == "edited"
    assert page.locator(".comment", has_text="daughter").count() == 0

    # What anyone sees: the thread, replies indented under their comment.
    page.context.close()
    anonymous = browser.new_page()
    anonymous.goto(url)
    texts = anonymous.locator("#comments .comment-body").all_inner_texts()
    assert texts == ["Who trims it now?", "Nobody since 1950.", "The keeper's son, I hear."]
    assert anonymous.get_by_role("link", name="Sign in to comment").count() == 1
    anonymous.context.close()


def test_a_thread_reads_well_on_a_phone_and_a_desktop(browser, live_server, thread):
    post, top, ada = thread
    carl = create_member("carl@example.org", "Carl")
    services.post_comment(
        post=post, member=ada, body="The keeper's *daughter*, I hear.", parent=top
    )
    services.post_comment(
        post=post, member=carl, body="See [the log](https://example.org/log) for `1950`."
    )
    mine = services.post_comment(post=post, member=ada, body="> Who trims it now?\n\nNo one.")
    assert mine.status == "approved"
    # Replies sit indented under their comment and nothing runs off the side, on a phone
    # and a desktop. BROADSHEET_SCREENSHOTS=docs/screenshots refreshes the docs' copies.
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = member_page(browser, live_server, ada, viewport=viewport)
        page.goto(live_server.url + post.get_absolute_url() + "#comments")
        page.locator(f'li[data-comment="{top.pk}"] summary').click()
        top_box = page.locator(f"#comment-{top.pk}").bounding_box()
        reply_box = page.locator(".comment-is-reply", has_text="daughter").bounding_box()
        assert reply_box["x"] > top_box["x"], (name, top_box, reply_box)
        overflow = (
            "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth + 1"
        )
        assert page.evaluate(overflow), name
        shoot(page, f"comments-thread-{name}")
        page.context.close()
