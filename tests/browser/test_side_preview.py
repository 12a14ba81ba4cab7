"""The post editor on a wide screen: body and preview side by side, the preview
following the caret (static/editor/side-preview.js); on a phone, the Write / Preview tabs."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1400, "height": 900}


def long_body() -> str:
    """Forty sections of a long post: headings, paragraphs, a list, code, a table."""
    parts = []
    for number in range(1, 41):
        if number % 10 == 1:
            parts.append(f"## Part {number // 10 + 1}")
        parts.append(
            f"Paragraph {number}: the tide came in over the flats and the boats lifted "
            "one after another, the gulls moving up the beach ahead of the water."
        )
        if number == 15:
            parts.append("- rope\n- lantern\n- oars")
        if number == 25:
            parts.append("```python\nhigh_water = '06:42'\n\nlow_water = '12:55'\n```")
        if number == 30:
            parts.append("| Port | Ferries |\n|---|---|\n| Lisbon | 12 |")
    return "\n\n".join(parts)


def put_caret_in(page, words: str) -> None:
    """Click into the body and move the caret into the paragraph that holds `words`."""
    page.locator("#id_body").click()
    page.evaluate(
        """(words) => {
          const body = document.getElementById("id_body");
          const at = body.value.indexOf(words) + 3;
          body.setSelectionRange(at, at);
          const share = at / body.value.length;
          body.scrollTop = Math.max(0, share * body.scrollHeight - body.clientHeight / 2);
        }""",
        words,
    )
    page.keyboard.press("ArrowRight")  # a real key: the editor hears the caret move


def seen_in_preview(page, words: str) -> bool:
    """Is the preview's block holding `words` inside the preview's visible box?"""
    return page.evaluate(
        """(words) => {
          const box = document.querySelector(".preview-body");
          const block = [...box.children].find((el) => el.textContent.includes(words));
          const outer = box.getBoundingClientRect();
          const inner = block.getBoundingClientRect();
          return inner.top >= outer.top - 1 && inner.top < outer.bottom - 20;
        }""",
        words,
    )


def test_on_a_wide_screen_the_preview_sits_beside_the_body_and_follows_the_caret(
    log_in, live_server
):
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="A day of tides", body=long_body(), draft=True)
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    preview = page.locator(".preview-body")
    preview.get_by_text("Paragraph 40:").wait_for()
    body = page.locator("#id_body")

    # Side by side: the preview to the right of the body, their tops level.
    left, right = body.bounding_box(), preview.bounding_box()
    assert right["x"] >= left["x"] + left["width"]
    assert abs(right["y"] - left["y"]) < 120
    assert page.locator(".editor-tabs").is_hidden()
    # The body is a box of the window's height with its own scroll bar, not 6,000 px.
    assert left["height"] < WIDE["height"]
    assert body.evaluate("el => el.scrollHeight > el.clientHeight")
    assert preview.evaluate("el => getComputedStyle(el.parentNode).position") == "sticky"

    put_caret_in(page, "Paragraph 33:")
    expect(page.locator(".preview-current")).to_contain_text("Paragraph 33:")
    assert seen_in_preview(page, "Paragraph 33:")
    assert not seen_in_preview(page, "Paragraph 2:")
    if os.environ.get("BROADSHEET_SCREENS"):
        os.makedirs("/work/screens", exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path="/work/screens/side-by-side.png")

    put_caret_in(page, "Paragraph 2:")
    expect(page.locator(".preview-current")).to_contain_text("Paragraph 2:")
    assert seen_in_preview(page, "Paragraph 2:")

    # Typing a new paragraph: the preview, redrawn, shows it where the caret is.
    put_caret_in(page, "Paragraph 20:")
    page.keyboard.press("End")
    page.keyboard.type("\n\nWritten just now, in the middle of the post.")
    preview.get_by_text("Written just now").wait_for()
    expect(page.locator(".preview-current")).to_contain_text("Written just now")
    assert seen_in_preview(page, "Written just now")
    # The box did not grow with the text.
    assert abs(body.bounding_box()["height"] - left["height"]) < 2


def test_on_a_phone_write_and_preview_are_tabs(log_in, live_server):
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="Tides", body=long_body(), draft=True)
    page = log_in("writer", viewport=PHONE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    body = page.locator("#id_body")
    preview = page.locator(".preview-body")
    assert body.is_visible() and preview.is_hidden()
    page.get_by_role("tab", name="Preview").click()
    preview.get_by_text("Paragraph 40:").wait_for()
    assert body.is_hidden() and preview.is_visible()
    page.get_by_role("tab", name="Write").click()
    assert body.is_visible() and preview.is_hidden()
    if os.environ.get("BROADSHEET_SCREENS"):
        page.screenshot(path="/work/screens/editor-phone.png")
    # The body stacks under its label, nothing runs off the side.
    assert page.evaluate(
        "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )
