"""Pictures in the post editor, in Chromium: drop or paste a file into the body, the alt
text asked for, the Markdown line at the cursor, the picture in the preview and on the
published post; the chooser for the body and for the cover (images/editor.py,
static/editor/images.js).

"Write a post with one image and publish it", counted in user actions. Before: open
"Add post", type the title, type the text (3); for the image: open the image library,
"Add image", choose the file, type the alt text, save, find and copy its Markdown line,
go back to the post, paste it at the right place (8); "Publish now" (1): 12 in all.
After: the same 3, then drop the file on the text, type the alt text, Enter (3), and
"Publish now" (1): 7 in all, as `test_a_dropped_picture_goes_from_the_desktop_to_the_
published_post` does it (the chooser: "Insert image…", click a thumbnail = 2 for an image
already in the library).
"""

from __future__ import annotations

import base64
import io
import os
import re

import pytest
from playwright.sync_api import expect

from blog.models import Post
from images import editor, services
from images.models import Image
from tests.browser.test_reader_journey import PASSWORD
from tests.factories import AuthorFactory, PostFactory
from tests.images import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1400, "height": 1000}

# A file arriving in the body from outside the page: the same events a browser sends for
# a file dragged from the desktop (dragover, drop) or pasted from the clipboard.
SEND_FILE = """([how, b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], name, { type }));
  const body = document.getElementById("id_body");
  const init = { bubbles: true, cancelable: true };
  if (how === "paste") {
    body.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, ...init }));
  } else {
    for (const kind of ["dragenter", "dragover", "drop"]) {
      body.dispatchEvent(new DragEvent(kind, { dataTransfer: data, ...init }));
    }
  }
}"""


def send_file(page, how: str, content: bytes, name: str, mime: str) -> None:
    page.evaluate(SEND_FILE, [how, base64.b64encode(content).decode(), name, mime])


def screens(page, name: str) -> None:
    """The screenshots the issue's closing note shows (only with BROADSHEET_SCREENS set)."""
    if os.environ.get("BROADSHEET_SCREENS"):
        os.makedirs("/work/screens", exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"/work/screens/{name}.png")


def library_image(alt: str, size=(800, 500), **fields) -> Image:
    from django.db import transaction

    with transaction.atomic():
        image = services.image_create(
            upload=io.BytesIO(samples.encoded("JPEG", size, gps=False)),
            alt_text=alt,
            uploaded_by=None,
            **fields,
        )
    return image


def caret_at_end(page) -> None:
    page.locator("#id_body").click()
    page.keyboard.press("Control+End")


def test_a_dropped_picture_goes_from_the_desktop_to_the_published_post(log_in, live_server):
    AuthorFactory(username="writer", password=PASSWORD)
    page = log_in("writer", viewport=WIDE)
    problems = []  # the CSP allows all of it: no refused script, style or image
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(f"{live_server.url}/admin/blog/post/add/")  # action 1
    page.fill("#id_title", "Buoys of the estuary")  # action 2
    caret_at_end(page)
    page.keyboard.type("The red one marks the channel.\n\nThe green one the shoal.")  # 3
    # The caret goes back between the two paragraphs: that is where the picture lands.
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")

    send_file(page, "drop", samples.encoded("PNG", (600, 400)), "buoy.png", "image/png")  # 4
    dialog = page.locator("#image-upload-dialog")
    dialog.wait_for()
    assert dialog.locator(".image-upload-name").inner_text().startswith("buoy.png")
    assert page.evaluate("document.activeElement.id") == "image-upload-alt"
    # No alt text, not decorative: asked again, nothing uploaded.
    dialog.get_by_role("button", name="Upload and insert").click()
    assert "Write the alt text" in dialog.get_by_role("alert").inner_text()
    assert not Image.objects.exists()

    page.keyboard.type("A red buoy leaning in the current")  # action 5
    screens(page, "image-alt-text")
    page.keyboard.press("Enter")  # action 6: upload and insert (a progress bar meanwhile)
    dialog.wait_for(state="hidden")
    image = Image.objects.get()
    assert image.alt_text == "A red buoy leaning in the current"
    line = f"![A red buoy leaning in the current](image:{image.pk})"
    assert page.input_value("#id_body") == (
        f"The red one marks the channel.\n\n{line}\n\nThe green one the shoal."
    )
    assert "Image inserted" in page.locator(".image-status").inner_text()
    # The writer types on where the caret was left: after the picture's paragraph.
    page.keyboard.type("Then the buoys. ")
    assert f"{line}\n\nThen the buoys. The green one" in page.input_value("#id_body")
    figure = page.locator(".preview-body figure img[alt='A red buoy leaning in the current']")
    figure.wait_for()
    expect(figure).to_have_js_property("naturalWidth", 600)  # loaded, at its real size

    page.get_by_role("button", name="Publish now").click()  # action 7
    page.wait_for_url(re.compile(r"/admin/blog/post/\d+/change/"))
    post = Post.objects.get(title="Buoys of the estuary")
    assert post.state == Post.State.PUBLISHED
    page.goto(live_server.url + post.get_absolute_url())
    published = page.locator("article figure img[alt='A red buoy leaning in the current']")
    published.scroll_into_view_if_needed()  # lazy-loaded: it loads once in view
    expect(published).to_have_js_property("complete", True)
    assert published.evaluate("img => img.naturalWidth") > 0
    assert problems == []


def test_a_pasted_picture_can_be_decorative_and_bad_files_say_why(log_in, live_server):
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="Tides", body="High water.\n\nLow water.", draft=True)
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    status = page.locator(".image-status")

    # Not an image: refused before anything is sent, with the formats accepted.
    caret_at_end(page)
    send_file(page, "paste", b"shopping list", "notes.txt", "text/plain")
    assert "“notes.txt” is not an image in an accepted format: JPEG, PNG" in status.inner_text()
    assert page.locator("#image-upload-dialog").is_hidden()
    # Too big: refused at once, with the limit.
    page.evaluate(
        """(limit) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(limit + 1)], "huge.jpg", { type: "image/jpeg" }));
          document.getElementById("id_body").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",
        20 * 1024 * 1024,
    )
    assert "“huge.jpg” is 20.0 MB; images may be at most 20 MB." in status.inner_text()
    # Claims to be a JPEG, is not one: the server's check says so in the dialog.
    send_file(page, "paste", samples.TEXT_NAMED_JPG, "fake.jpg", "image/jpeg")
    dialog = page.locator("#image-upload-dialog")
    page.fill("#image-upload-alt", "Something")
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("not an image in an accepted format")
    dialog.get_by_role("button", name="Cancel").click()
    assert not Image.objects.exists()
    assert page.input_value("#id_body") == "High water.\n\nLow water."

    # A real picture pasted at the end of the first paragraph, marked decorative.
    page.locator("#id_body").click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    send_file(
        page, "paste", samples.encoded("JPEG", (320, 200), gps=False), "image.jpg", "image/jpeg"
    )
    dialog.wait_for()
    dialog.get_by_label("Decorative").check()
    assert page.locator("#image-upload-alt").is_disabled()
    dialog.get_by_role("button", name="Upload and insert").click()
    dialog.wait_for(state="hidden")
    image = Image.objects.get()
    assert image.alt_text == ""
    assert page.input_value("#id_body") == (f"High water.\n\n![](image:{image.pk})\n\nLow water.")
    page.locator(".preview-body figure img[alt='']").wait_for()
    # Undo takes the picture out again (the browser's own undo keeps working).
    page.keyboard.press("Control+z")
    assert page.input_value("#id_body") == "High water.\n\nLow water."


def test_the_chooser_inserts_into_the_body_and_sets_the_cover(log_in, live_server, monkeypatch):
    monkeypatch.setattr(editor, "PER_PAGE", 2)  # three images, two pages
    library_image("Gulls over the pier", caption="Morning")
    fog = library_image("Boats in the fog")
    ferry = library_image("The night ferry", size=(900, 600))
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="Crossing", body="Before.\n\nAfter.", draft=True)
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")

    page.locator("#id_body").click()
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    page.get_by_role("button", name="Insert image…").click()
    chooser = page.locator("#image-chooser-dialog")
    chooser.get_by_role("heading", name="Choose an image to insert").wait_for()
    chooser.get_by_text("3 images in the library").wait_for()
    assert chooser.locator(".image-choice").count() == 2
    expect(chooser.locator(".image-choice img").first).to_have_js_property("complete", True)
    screens(page, "image-chooser")
    thumbs = chooser.locator(".image-choice img")
    # Thumbnails are the library's smallest renditions, loaded from this host.
    assert all("/media/images/r/" in src for src in thumbs.evaluate_all("i => i.map(x => x.src)"))
    assert thumbs.first.evaluate("img => img.complete && img.naturalWidth") == 480
    chooser.get_by_role("button", name="Next").click()
    chooser.get_by_role("button", name="Gulls over the pier").wait_for()
    assert chooser.get_by_text("Page 2 of 2").is_visible()
    page.fill("#image-chooser-q", "fog")
    page.keyboard.press("Enter")
    chooser.get_by_text("1 image for “fog”").wait_for()
    chooser.get_by_role("button", name="Boats in the fog").click()
    assert chooser.is_hidden()
    assert page.input_value("#id_body") == (
        f"Before.\n\n![Boats in the fog](image:{fog.pk})\n\nAfter."
    )
    page.locator(".preview-body img[alt='Boats in the fog']").wait_for()

    # The cover: chosen from the same library, shown as a thumbnail by the field.
    page.get_by_role("button", name="Choose cover image…").click()
    chooser.get_by_role("heading", name="Choose the cover image").wait_for()
    chooser.get_by_role("button", name="The night ferry").click()
    thumb = page.get_by_role("img", name="Cover: The night ferry")
    thumb.wait_for()
    assert "/media/images/r/" in thumb.get_attribute("src")
    if os.environ.get("BROADSHEET_SCREENS"):
        page.locator(".field-cover_image").screenshot(path="/work/screens/cover-chooser.png")
    # The admin's own widget shows the same choice.
    assert "The night ferry" in page.locator(".field-cover_image").inner_text()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.cover_image_id == ferry.pk
    assert f"image:{fog.pk}" in post.body
    # Drawn again: the saved cover's thumbnail is there from the start.
    page.get_by_role("img", name="Cover: The night ferry").wait_for()
    page.get_by_role("button", name="No cover").click()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.cover_image_id is None


def test_an_upload_from_the_chooser_becomes_the_cover(log_in, live_server):
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="Quay", body="Stones.", draft=True)
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.get_by_role("button", name="Choose cover image…").click()
    chooser = page.locator("#image-chooser-dialog")
    chooser.get_by_text("The library is empty: upload one.").wait_for()
    page.set_input_files(
        "#image-chooser-file",
        files=[
            {
                "name": "quay.png",
                "mimeType": "image/png",
                "buffer": samples.encoded("PNG", (500, 300)),
            }
        ],
    )
    page.fill("#image-upload-alt", "Granite steps at the quay")
    page.get_by_role("button", name="Upload and use as cover").click()
    page.get_by_role("img", name="Cover: Granite steps at the quay").wait_for()
    assert page.input_value("#id_body") == "Stones."  # the body is left alone
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    post.refresh_from_db()
    assert post.cover_image.alt_text == "Granite steps at the quay"


def test_a_file_dropped_on_the_text_lands_under_the_pointer(log_in, live_server):
    writer = AuthorFactory(username="writer", password=PASSWORD)
    post = PostFactory(author=writer, title="Piers", body="North pier.\n\nSouth pier.", draft=True)
    page = log_in("writer", viewport=WIDE)
    page.goto(f"{live_server.url}/admin/blog/post/{post.pk}/change/")
    page.locator("#id_title").click()  # the caret is not in the body
    box = page.locator("#id_body").bounding_box()
    # Dropped on the first line, left of its text: the picture goes before it.
    page.evaluate(
        """([x, y, b64]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const data = new DataTransfer();
          data.items.add(new File([bytes], "pier.png", { type: "image/png" }));
          const init = {
            dataTransfer: data, bubbles: true, cancelable: true, clientX: x, clientY: y,
          };
          const body = document.getElementById("id_body");
          body.dispatchEvent(new DragEvent("dragover", init));
          body.dispatchEvent(new DragEvent("drop", init));
        }""",
        [box["x"] + 6, box["y"] + 12, base64.b64encode(samples.encoded("PNG", (64, 64))).decode()],
    )
    page.fill("#image-upload-alt", "The north pier at low tide")
    page.keyboard.press("Enter")
    page.locator("#image-upload-dialog").wait_for(state="hidden")
    image = Image.objects.get()
    assert page.input_value("#id_body") == (
        f"![The north pier at low tide](image:{image.pk})\n\nNorth pier.\n\nSouth pier."
    )
