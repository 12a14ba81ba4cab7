"""A reader and an editor in headless Chromium (Debian's, driven by Playwright).

The reader opens the home page, follows a post and searches from the header; the editor
logs into the admin and publishes a draft, which then shows on the home page.
"""

import pytest

from blog.models import Post
from tests.factories import CategoryFactory, EditorFactory, PostFactory, TagFactory

PASSWORD = "correct-horse-battery"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    yield page
    page.context.close()


def summary_titles(page) -> list[str]:
    return page.locator("article.post-summary h2").all_inner_texts()


def test_reader_journey_and_editor_publishes(page, live_server, tmp_path):
    EditorFactory(username="ed", password=PASSWORD)
    category = CategoryFactory(name="Coastlines")
    post = PostFactory(
        title="Lighthouse keepers",
        body="The **lamp** never sleeps.\n\n- oil\n- wick",
        category=category,
        tags=[TagFactory(name="lamps")],
    )
    draft = PostFactory(title="Harbour draft", body="Not yet.", category=category, draft=True)

    # A reader: the home page lists the public post and not the draft.
    page.goto(live_server.url + "/")
    assert "Lighthouse keepers" in summary_titles(page)
    assert "Harbour draft" not in summary_titles(page)
    screenshot = tmp_path / "home.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

    # The post page shows the title and the body rendered from Markdown.
    page.get_by_role("link", name="Lighthouse keepers").click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    assert page.locator("h1").inner_text() == "Lighthouse keepers"
    assert page.locator(".post-body strong").inner_text() == "lamp"
    assert page.locator(".post-body li").all_inner_texts() == ["oil", "wick"]
    assert "**" not in page.locator(".post-body").inner_text()

    # The header search form finds the post by a word of its body.
    page.fill("#site-search", "lamp")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=lamp")
    assert "1 result for “lamp”" in page.locator("main").inner_text()
    assert summary_titles(page) == ["Lighthouse keepers"]

    # An editor logs into the admin and publishes the draft with one button.
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(f"{live_server.url}/admin/blog/post/{draft.pk}/change/")
    assert page.locator("#id_title").input_value() == "Harbour draft"
    page.get_by_role("button", name="Publish now").click()
    page.wait_for_load_state()
    assert "Published: readers can see it now." in page.locator(".messagelist").inner_text()

    draft.refresh_from_db()
    assert draft.status == Post.Status.PUBLISHED and draft.published_at is not None
    assert Post.objects.public().filter(pk=draft.pk).exists()

    # The home page now lists it.
    page.goto(live_server.url + "/")
    assert "Harbour draft" in summary_titles(page)
    assert "Lighthouse keepers" in summary_titles(page)


def test_reader_follows_next_related_and_archive_in_dark_mode(page, live_server, tmp_path):
    from datetime import datetime

    from django.utils import timezone

    tz = timezone.get_current_timezone()
    lamps = TagFactory(name="lamps")
    category = CategoryFactory(name="Coastlines")
    first = PostFactory(
        title="Trimming wicks",
        tags=[lamps],
        category=category,
        published_at=datetime(2025, 1, 5, 9, tzinfo=tz),
    )
    second = PostFactory(
        title="Lighting the lamp",
        category=category,
        published_at=datetime(2025, 2, 5, 9, tzinfo=tz),
        body="Intro.\n\n## One\n\n```python\ndef light():\n    return True\n```\n\n"
        "## Two\n\ntext\n\n## Three\n\nend",
    )
    PostFactory(title="Other shore", category=CategoryFactory(name="Elsewhere"))

    # Next: from the January post to the February one.
    page.goto(live_server.url + first.get_absolute_url())
    page.locator(".post-nav a[rel=next]").click()
    page.wait_for_url(f"**{second.get_absolute_url()}")
    assert page.locator("nav.toc li").all_inner_texts() == ["One", "Two", "Three"]
    assert page.locator(".post-body pre.highlight .k").first.inner_text() == "def"

    # Related: same category leads back to the January post.
    page.locator(".related a", has_text="Trimming wicks").click()
    page.wait_for_url(f"**{first.get_absolute_url()}")

    # Archive index from the footer, then a month.
    page.locator(".site-footer a", has_text="Archive").click()
    page.wait_for_url("**/archive/")
    page.get_by_role("link", name="February 2025").click()
    page.wait_for_url("**/archive/2025/2/")
    assert summary_titles(page) == ["Lighting the lamp"]

    # Dark mode: the reader's system setting, no script involved.
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + second.get_absolute_url())
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    code = page.evaluate(
        "getComputedStyle(document.querySelector('pre.highlight')).backgroundColor"
    )
    assert background == "rgb(22, 22, 26)" and code == "rgb(29, 35, 49)"
    shot = tmp_path / "post-dark.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")

    # A phone: the header stays short.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 844 * 0.15, header


def test_redoc_asks_no_other_host(page, live_server):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto(live_server.url + "/api/redoc/")
    # The live server builds the whole schema on this first request and ReDoc then lays
    # it out: well over 10 s when the rest of the suite loads both cores (CI saw it).
    page.wait_for_selector("text=Broadsheet API", timeout=60_000)
    page.wait_for_timeout(500)
    assert hosts == {live_server.url.split("/")[2]}, hosts
