"""A writer's post in review, in Chromium: saving keeps it in review, new tags are
created from the form, and withdrawing is its own button."""

import pytest

from blog.models import Post, Tag
from tests.browser.shots import shoot
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import ContributorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_writer_edits_a_post_in_review_then_withdraws_it(log_in, live_server):
    writer = ContributorFactory(username="cora", password=PASSWORD)
    post = PostFactory(
        author=writer, title="Kelp forests", status=Post.Status.REVIEW, published_at=None
    )
    page = log_in("cora")
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    buttons = page.locator(".editor-actions button").all_inner_texts()
    assert buttons == ["Save changes", "Withdraw from review"]

    page.fill("#id_body", "Kelp grows half a metre a day.")
    page.fill("#id_new_tags", "Kelp, sea otters")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    message = page.locator(".messagelist").inner_text()
    assert "Changes saved. Still in review" in message
    assert page.locator(".post-state .state-badge").inner_text() == "In review"
    shoot(page, "review-save-changes", full_page=False)
    post.refresh_from_db()
    assert post.state == Post.State.IN_REVIEW
    assert sorted(tag.name for tag in post.tags.all()) == ["Kelp", "sea otters"]
    assert Tag.objects.filter(slug="sea-otters").exists()

    page.get_by_role("button", name="Withdraw from review").click()
    page.wait_for_load_state()
    assert "Withdrawn from review: back to draft" in page.locator(".messagelist").inner_text()
    assert page.locator(".editor-actions button").all_inner_texts() == [
        "Save draft",
        "Submit for review",
    ]
    post.refresh_from_db()
    assert post.state == Post.State.DRAFT
