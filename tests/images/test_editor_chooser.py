"""The post editor's image endpoints (images/editor.py): chooser, upload, one image."""

from __future__ import annotations

import pytest

from blog.markdown import render
from images import editor
from images.models import Image
from tests.images import samples
from tests.images.conftest import uploaded

pytestmark = pytest.mark.django_db

CHOOSE = "/admin/blog/post/images/"
UPLOAD = "/admin/blog/post/images/upload/"


def test_writers_browse_search_and_page_through_the_library(
    client_for, contributor, make_image, monkeypatch
):
    monkeypatch.setattr(editor, "PER_PAGE", 2)  # three images make two pages
    fog = make_image(alt_text="Boats in the fog", size=(900, 600))
    for number in range(2):
        make_image(alt_text=f"Gull {number}", size=(40, 30), renditions=False)
    client = client_for(contributor)

    first = client.get(CHOOSE).json()
    assert (first["count"], first["pages"], len(first["results"])) == (3, 2, 2)
    assert [item["alt_text"] for item in first["results"]] == ["Gull 1", "Gull 0"]
    second = client.get(CHOOSE, {"page": 2}).json()
    assert [item["alt_text"] for item in second["results"]] == ["Boats in the fog"]

    found = client.get(CHOOSE, {"q": "FOG"}).json()
    assert found["count"] == 1
    item = found["results"][0]
    assert item["markdown"] == f"![Boats in the fog](image:{fog.pk})"
    # The thumbnail is the smallest rendition the worker made, not the original.
    assert item["thumbnail"]["width"] == 480 and "/images/r/" in item["thumbnail"]["url"]
    assert client.get(f"{CHOOSE}{fog.pk}/").json()["id"] == fog.pk


def test_a_picture_dropped_in_the_editor_is_stored_and_its_markdown_renders(
    client_for, author, django_capture_on_commit_callbacks
):
    client = client_for(author)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            UPLOAD,
            {
                "file": uploaded(samples.encoded("PNG", (640, 480)), "clipboard.png"),
                "alt_text": "A lighthouse [at night]",
                "caption": "Cape Roca",
            },
        )
    assert response.status_code == 201
    answer = response.json()
    image = Image.objects.get(pk=answer["id"])
    assert (image.alt_text, image.caption, image.uploaded_by) == (
        "A lighthouse [at night]",
        "Cape Roca",
        author,
    )
    html = render(answer["markdown"]).html
    assert f'src="{image.url}"' in html and 'alt="A lighthouse [at night]"' in html
    assert "<figcaption>Cape Roca</figcaption>" in html


def test_alt_text_is_required_unless_the_picture_is_decorative(client_for, author):
    client = client_for(author)
    png = samples.encoded("PNG", (64, 64))
    refused = client.post(UPLOAD, {"file": uploaded(png, "a.png"), "alt_text": "  "})
    assert refused.status_code == 400
    assert "Say what the image shows" in refused.json()["error"]
    assert not Image.objects.exists()

    decorative = client.post(
        UPLOAD, {"file": uploaded(png, "a.png"), "alt_text": "ignored", "decorative": "on"}
    )
    assert decorative.status_code == 201
    assert decorative.json()["markdown"].startswith("![](image:")
    assert 'alt=""' in render(decorative.json()["markdown"]).html


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (samples.TEXT_NAMED_JPG, "not an image in an accepted format"),
        (samples.SVG, "SVG images are not accepted"),
        (samples.truncated_jpeg(), "damaged or truncated"),
    ],
    ids=["text", "svg", "truncated"],
)
def test_refused_files_say_why(client_for, author, content, message):
    response = client_for(author).post(
        UPLOAD, {"file": uploaded(content, "photo.jpg"), "alt_text": "x"}
    )
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not Image.objects.exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(client_for, author, settings):
    settings.BROADSHEET_IMAGES = {"MAX_BYTES": 1000}
    response = client_for(author).post(
        UPLOAD, {"file": uploaded(samples.encoded("PNG", (300, 300)), "big.png"), "alt_text": "x"}
    )
    assert response.status_code == 400
    assert "images may be at most" in response.json()["error"]


@pytest.mark.parametrize("role", ["reader", "anonymous"])
def test_only_writers_reach_the_endpoints(request, client, client_for, make_image, role):
    image = make_image(renditions=False)
    if role == "reader":
        client = client_for(request.getfixturevalue("reader"))
    png = uploaded(samples.encoded("PNG", (64, 64)), "a.png")
    answers = [
        client.get(CHOOSE),
        client.get(f"{CHOOSE}{image.pk}/"),
        client.post(UPLOAD, {"file": png, "alt_text": "x"}),
    ]
    # Not staff: the admin's login page; staff without a writer's role would get 403.
    assert all(a.status_code in (302, 403) for a in answers)
    assert Image.objects.count() == 1


def test_staff_without_a_writer_role_get_403(client_for, make_image):
    from tests.factories import UserFactory

    staff = UserFactory(username="staffer", is_staff=True)
    client = client_for(staff)
    assert client.get(CHOOSE).status_code == 403
    assert client.post(UPLOAD, {"alt_text": "x"}).status_code == 403


def test_the_post_form_offers_the_chooser_only_to_writers(client_for, author):
    html = client_for(author).get("/admin/blog/post/add/").content.decode()
    assert 'id="image-chooser-config"' in html and "editor/images.js" in html
    assert 'data-upload-url="/admin/blog/post/images/upload/"' in html
    # No inline script: the page works under the CSP (script-src 'self').
    assert "<script>" not in html


def test_wrong_methods_are_refused(client_for, author):
    client = client_for(author)
    assert client.get(UPLOAD).status_code == 405
    assert client.post(CHOOSE).status_code == 405
