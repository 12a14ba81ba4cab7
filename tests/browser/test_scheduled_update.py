"""A scheduled update in Chromium: the editor changes a published post, picks a time and
presses "Schedule these changes"; readers keep the live text until the sweep applies it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from editorial.models import ScheduledUpdate
from editorial.scheduled import apply_due_updates
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import EditorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_schedules_changes_to_a_published_post(log_in, browser, live_server):
    EditorFactory(username="ed", password=PASSWORD)
    post = PostFactory(title="Opening hours", body="Open nine to five.")
    page = log_in("ed")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    # What extensions add after the form sits below it, not behind it: the section's
    # heading once stretched behind the whole (floated) form, a dark band under the
    # post's state line.
    form = page.locator("#post_form").bounding_box()
    heading = page.locator("#scheduled-updates-title").bounding_box()
    assert heading["y"] >= form["y"] + form["height"] and heading["height"] < 80, heading
    page.fill("#id_title", "Opening hours (winter)")
    page.fill("#id_body", "Open ten to four.")
    when = timezone.localtime(timezone.now() + timedelta(days=1))
    page.fill("#schedule-update-at", when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Schedule these changes").click()
    page.wait_for_load_state()
    assert "Changes scheduled for" in page.locator(".messagelist").inner_text()
    rows = page.locator("#scheduled-updates tbody tr")
    assert "Title, Body" in rows.inner_text()
    assert page.input_value("#id_title") == "Opening hours"  # the live text, unchanged

    reader = browser.new_context().new_page()
    reader.goto(live_server.url + post.get_absolute_url())
    assert reader.locator("h1").inner_text() == "Opening hours"
    assert apply_due_updates(now=timezone.now()) == []
    assert apply_due_updates(now=timezone.now() + timedelta(days=1, minutes=1)) == [
        ScheduledUpdate.objects.get().pk
    ]
    reader.reload()
    assert reader.locator("h1").inner_text() == "Opening hours (winter)"
    reader.context.close()
