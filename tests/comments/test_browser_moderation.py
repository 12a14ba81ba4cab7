"""An editor moderates in Chromium: from the admin home's count to the queue, approves
two comments at once and marks one as spam (issue 32: browser test of moderating).

With `BROADSHEET_SCREENSHOTS=docs/screenshots` it refreshes
docs/screenshots/comments-moderation-queue.png."""

from __future__ import annotations

import pytest

from comments.models import Comment, ModerationAction
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.comments.moderation_data import make_comment, make_member
from tests.factories import EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Status = Comment.Status


def log_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1366, "height": 820})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def run_action(page, label: str, comments) -> None:
    for comment in comments:
        page.check(f'input[name="_selected_action"][value="{comment.pk}"]')
    page.select_option('select[name="action"]', label=label)
    page.locator('button[name="index"]').first.click()
    page.wait_for_load_state()


def test_an_editor_bulk_approves_and_marks_spam_in_the_queue(browser, live_server):
    editor = EditorFactory(username="moderator", password=PASSWORD)
    harbour = PostFactory(title="The new harbour timetable")
    budget = PostFactory(title="What the city's budget pays for")
    kim, noor = make_member(name="Kim Lee"), make_member(name="Noor Haddad")
    first = make_comment(harbour, kim, body="Which quay do the bicycles use?", minutes_ago=95)
    second = make_comment(
        budget, noor, body="The library hours are the best news here.", minutes_ago=60
    )
    junk = make_comment(
        harbour,
        make_member(name="Best Deals"),
        body="Cheap watches at https://deals.example — click now!",
        minutes_ago=30,
    )
    make_comment(harbour, noor, body="Thanks, that answers it.", status=Status.APPROVED)

    page = log_in(browser, live_server, "moderator")
    try:
        count = page.locator(".pending-comments-count")
        assert "3 comments waiting for approval" in " ".join(count.inner_text().split())
        count.get_by_role("link").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Moderation queue"
        ids = page.locator('input[name="_selected_action"]').evaluate_all(
            "boxes => boxes.map(box => Number(box.value))"
        )
        assert ids == [first.pk, second.pk, junk.pk]  # waiting, oldest first
        assert page.get_by_role("link", name="Waiting (3)").is_visible()
        shoot(page, "comments-moderation-queue", full_page=False)

        run_action(page, "Approve selected comments", [first, second])
        assert "2 comments approved." in page.locator(".messagelist").inner_text()
        run_action(page, "Mark selected comments as spam", [junk])
        assert "1 comment marked as spam." in page.locator(".messagelist").inner_text()
        assert "0 comments waiting" not in page.content()
        assert page.locator('input[name="_selected_action"]').count() == 0  # queue empty

        statuses = dict(Comment.objects.values_list("pk", "status"))
        assert statuses[first.pk] == statuses[second.pk] == Status.APPROVED
        assert statuses[junk.pk] == Status.SPAM
        assert ModerationAction.objects.filter(actor=editor).count() == 3

        page.get_by_role("link", name="Spam (1)").click()
        page.wait_for_load_state()
        assert "Cheap watches" in page.locator("#result_list").inner_text()
    finally:
        page.context.close()
