"""Images end to end through nginx: an upload through the API, renditions made by the
stack's worker, files served by nginx from MEDIA_ROOT with their real type, nosniff and a
year of caching; the post page names the cover in og:image.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image as PILImage

from tests.browser.shots import shoot
from tests.e2e.conftest import ADMIN, Stack, wait_for
from tests.images import samples

pytestmark = pytest.mark.stack


def _auth(stack: Stack) -> dict[str, str]:
    response = stack.session().post(
        stack.url + "/api/auth/token/",
        json={"username": ADMIN[0], "password": ADMIN[1]},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access']}"}


def _upload(stack: Stack, content: bytes, name: str, headers: dict) -> dict:
    response = stack.session().post(
        stack.url + "/api/images/",
        files={"file": (name, content, "image/jpeg")},
        data={"alt_text": "A harbour at dawn"},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_media_is_served_by_nginx_with_type_nosniff_and_long_cache(stack):
    headers = _auth(stack)
    image = _upload(stack, samples.encoded("JPEG", (1000, 667)), "home.jpg", headers)
    path = image["url"].removeprefix(stack.url)
    assert path.startswith("/media/images/")
    original = stack.get(path)
    assert original.status_code == 200
    assert original.headers["Server"] == "nginx"
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in original.headers["Cache-Control"]
    assert "immutable" in original.headers["Cache-Control"]
    assert "sandbox" in original.headers["Content-Security-Policy"]
    stored = PILImage.open(io.BytesIO(original.content))
    assert not stored.getexif().get_ifd(0x8825), "GPS served to the world"

    def renditions():
        body = stack.session().get(
            f"{stack.url}/api/images/{image['id']}/", headers=headers, timeout=10
        )
        return len(body.json()["renditions"]) == 8 and body.json()["renditions"]

    made = wait_for(renditions, timeout=120, what="the stack's worker to make renditions")
    for rendition in made:
        served = stack.get(rendition["url"].removeprefix(stack.url))
        assert served.status_code == 200
        assert served.headers["Content-Type"] == rendition["mime_type"]
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "immutable" in served.headers["Cache-Control"]
    assert {r["mime_type"] for r in made} == {"image/avif", "image/webp", "image/jpeg"}


def test_refused_upload_and_non_images_under_media(stack):
    headers = _auth(stack)
    response = stack.session().post(
        stack.url + "/api/images/",
        files={"file": ("x.jpg", samples.SVG, "image/jpeg")},
        data={"alt_text": "x"},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 400
    assert "SVG" in str(response.json()["errors"])
    assert stack.get("/media/anything.html").status_code == 404
    assert stack.get("/media/../manage.py").status_code in (400, 404)


def test_post_page_with_cover_as_a_reader_sees_it(stack, browser):
    """og:image through nginx, then Chromium loads the page: the cover shows, picked from
    the AVIF renditions, with no CSP complaint. A screenshot with BROADSHEET_SCREENSHOTS
    set (tests/browser/shots.py)."""
    headers = _auth(stack)
    image = _upload(stack, samples.encoded("JPEG", (1200, 800)), "cover.jpg", headers)
    rows = stack.sql(
        "UPDATE blog_post SET cover_image_id = %s WHERE id = (SELECT id FROM blog_post "
        "WHERE status = 'published' AND published_at <= now() ORDER BY published_at DESC "
        "LIMIT 1) RETURNING slug",
        image["id"],
    )
    wait_for(
        lambda: (
            len(
                stack.session()
                .get(f"{stack.url}/api/images/{image['id']}/", headers=headers, timeout=10)
                .json()["renditions"]
            )
            == 8
        ),
        timeout=120,
        what="the cover's renditions",
    )
    path = f"/posts/{rows[0][0]}/?cover-probe=1"
    page = stack.get(path)
    assert page.status_code == 200
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', page.text).group(1)
    assert "/media/images/" in og_image
    assert 'name="twitter:card" content="summary_large_image"' in page.text
    _screenshot(stack, browser, path)


def _screenshot(stack: Stack, browser, path: str) -> None:
    errors: list[str] = []
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, ignore_https_errors=True
    )
    try:
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(stack.url + path, wait_until="load")
        cover = page.locator("figure.cover-image img")
        assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
        assert cover.evaluate("img => img.currentSrc").endswith(".avif")
        shoot(page, "post-with-cover", full_page=False)
    finally:
        context.close()
    assert not errors, errors
