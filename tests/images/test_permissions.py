"""Who may do what with /api/images/ and the admin library: the permission matrix."""

from __future__ import annotations

import pytest

from images.models import Image
from tests.images import samples
from tests.images.conftest import uploaded

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "contributor", "author", "editor"]


def who(request, role):
    return None if role == "anonymous" else request.getfixturevalue(role)


# role -> (list, retrieve, upload, edit someone else's, delete)
MATRIX = {
    "anonymous": (401, 401, 401, 401, 401),
    "reader": (403, 403, 403, 403, 403),
    "contributor": (200, 200, 201, 403, 403),
    "author": (200, 200, 201, 403, 403),
    "editor": (200, 200, 201, 200, 204),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(request, api_as, make_image, other_author, role):
    image = make_image(uploaded_by=other_author, renditions=False)
    client = api_as(who(request, role))
    expected = MATRIX[role]
    got = (
        client.get("/api/images/").status_code,
        client.get(f"/api/images/{image.pk}/").status_code,
        client.post(
            "/api/images/",
            {"file": uploaded(samples.encoded("PNG", (64, 64))), "alt_text": "A dot"},
            format="multipart",
        ).status_code,
        client.patch(
            f"/api/images/{image.pk}/", {"alt_text": "Changed"}, format="json"
        ).status_code,
        client.delete(f"/api/images/{image.pk}/").status_code,
    )
    assert got == expected
    assert Image.objects.filter(pk=image.pk).exists() == (role != "editor")


def test_uploader_edits_their_own_image_texts(api_as, contributor, make_image):
    image = make_image(uploaded_by=contributor, renditions=False)
    response = api_as(contributor).patch(
        f"/api/images/{image.pk}/", {"alt_text": "Boats in the fog", "credit": "Me"}, format="json"
    )
    assert response.status_code == 200
    image.refresh_from_db()
    assert (image.alt_text, image.credit) == ("Boats in the fog", "Me")


def test_anonymous_answer_is_a_bearer_challenge(api):
    response = api.get("/api/images/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_admin_library_for_writers_not_for_readers(client_for, contributor, reader, make_image):
    make_image(alt_text="Boats in the fog", renditions=False)
    reader.is_staff = True
    reader.save()
    assert client_for(reader).get("/admin/images/image/").status_code == 403
    page = client_for(contributor).get("/admin/images/image/?q=fog")
    assert page.status_code == 200
    assert "Boats in the fog" in page.content.decode()


def test_admin_upload_is_checked_like_the_api(client_for, contributor):
    client = client_for(contributor)
    refused = client.post(
        "/admin/images/image/add/",
        {"upload": uploaded(samples.SVG, "x.svg"), "alt_text": "x"},
    )
    assert refused.status_code == 200
    assert "SVG images are not accepted" in refused.content.decode()
    accepted = client.post(
        "/admin/images/image/add/",
        {"upload": uploaded(samples.encoded("JPEG")), "alt_text": "A harbour"},
    )
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    image = Image.objects.get()
    assert image.uploaded_by == contributor and image.alt_text == "A harbour"


def test_cover_picker_searches_the_library(client_for, author, make_image):
    image = make_image(alt_text="Boats in the fog", renditions=False)
    response = client_for(author).get(
        "/admin/autocomplete/",
        {"app_label": "blog", "model_name": "post", "field_name": "cover_image", "term": "fog"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(image.pk), "text": "Boats in the fog"}]
