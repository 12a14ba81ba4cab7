"""The post form's search-result and social-card preview in Chromium
(static/editor/seo-preview.js): the fallbacks while the fields are blank, then the
writer's words as they type them, cut where search engines cut; "Hide from search
engines" said in the preview, and what was typed saved with the post.

Takes the screenshot docs/site-owners.md shows (`site-seo-preview.png`, see
tests/browser/shots.py).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from blog.models import Post
from tests.browser.shots import shoot
from tests.browser.test_editor_images import library_image
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, PostFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1400, "height": 1000}
BODY = (
    "The harbour empties twice a day, and the boats lie on their sides in the mud until "
    "the tide comes back over the flats.\n\n## Times\n\nHigh water at six."
)


def test_the_preview_follows_the_fields_and_falls_back_when_they_are_blank(log_in, live_server):
    cover = library_image("Boats on the mud at low water", size=(1200, 630))
    card = library_image("The quay at dawn", size=(1200, 630))
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(
        author=writer, title="Low water at the quay", body=BODY, cover_image=cover, draft=True
    )
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.get_by_text("Search engines and social cards").click()  # the collapsed fieldset
    result, social = page.locator(".seo-result"), page.locator(".seo-card")
    title, description = (
        result.locator(".seo-result-title"),
        result.locator(".seo-result-description"),
    )

    # Blank fields: what the page shows today (blog/seo.py).
    expect(title).to_have_text(f"Low water at the quay · {settings.SITE_NAME}")
    expect(result.locator(".seo-result-site")).to_have_text(
        f"{settings.SITE_NAME} — testserver \u203a posts \u203a {post.slug}"
    )
    expect(description).to_contain_text("The harbour empties twice a day")
    expect(social.locator(".seo-card-title")).to_have_text("Low water at the quay")
    expect(social.locator(".seo-card-host")).to_have_text("TESTSERVER")
    picture = social.locator(".seo-card-image")
    expect(picture).to_be_visible()  # the cover's thumbnail, from this host
    expect(picture).to_have_js_property("complete", True)
    assert "/media/images/" in picture.get_attribute("src")
    expect(result.locator(".seo-result-noindex")).to_be_hidden()

    # The writer types: the preview follows, cut near 60 and 155 characters.
    page.locator("#id_meta_title").fill("")
    page.locator("#id_meta_title").type(
        "Tide tables for May: every high and low water at the old quay"
    )
    expect(title).to_have_text("Tide tables for May: every high and low water at the old…")
    typed = (
        "When the boats float and when they sit in the mud, day by day for the whole of May, "
        "with the harbour master's notes on spring tides, the new pontoon and the ferry."
    )
    page.locator("#id_meta_description").type(typed)
    # The preview follows a moment after the last key: wait for the whole text, cut.
    expect(description).to_have_text(re.compile(r"the new pontoon.*…$"))
    shown = description.inner_text()
    assert shown.endswith("…") and len(shown) <= 155 and typed.startswith(shown[:-1])
    # The card's text falls back to the meta description; then the writer's own.
    expect(social.locator(".seo-card-description")).to_contain_text("When the boats float")
    page.locator("#id_social_title").type("Six o'clock, low water")
    expect(social.locator(".seo-card-title")).to_have_text("Six o'clock, low water")
    page.locator("#id_social_description").type("What the harbour master says about May.")
    expect(social.locator(".seo-card-description")).to_have_text(
        "What the harbour master says about May."
    )
    page.locator("#id_canonical_url").type("https://harbour-times.example.com/2026/tides/")
    expect(result.locator(".seo-result-site")).to_have_text(
        f"{settings.SITE_NAME} — harbour-times.example.com \u203a 2026 \u203a tides"
    )
    expect(social.locator(".seo-card-host")).to_have_text("HARBOUR-TIMES.EXAMPLE.COM")
    page.locator("#id_noindex").check()
    expect(result.locator(".seo-result-noindex")).to_be_visible()

    # A social image of its own replaces the cover on the card (the admin's autocomplete).
    before = picture.get_attribute("src")
    page.evaluate(
        """(id) => {
          const select = document.getElementById("id_social_image");
          select.appendChild(new Option("The quay at dawn", id, true, true));
          window.django.jQuery(select).trigger("change");
        }""",
        str(card.pk),
    )
    expect(picture).not_to_have_attribute("src", before)
    expect(picture).to_have_js_property("complete", True)

    expect(social.locator(".seo-card-no-image")).to_be_hidden()
    page.locator("fieldset.seo-fields").evaluate("el => el.scrollIntoView()")
    page.evaluate("window.scrollBy(0, 180)")  # the fields typed in and the whole preview
    shoot(page, "site-seo-preview", full_page=False)

    # Cleared, a field falls back again at once.
    page.locator("#id_social_title").fill("")
    expect(social.locator(".seo-card-title")).to_have_text("Low water at the quay")

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(f"**/admin/blog/post/{post.pk}/change/")
    saved = Post.objects.get(pk=post.pk)
    assert saved.meta_title == "Tide tables for May: every high and low water at the old quay"
    assert saved.canonical_url == "https://harbour-times.example.com/2026/tides/"
    assert (saved.social_title, saved.noindex, saved.social_image_id) == ("", True, card.pk)
