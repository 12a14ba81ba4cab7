"""Library images inside a post body become responsive <picture>s on the post page."""

from __future__ import annotations

import re

import pytest

from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_widths(settings):
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (160, 320)}


def test_a_library_original_in_the_body_becomes_a_lazy_picture(
    client, make_image, small_widths, django_assert_max_num_queries
):
    image = make_image("JPEG", (800, 600))
    post = PostFactory(body="Intro.")
    # What blog.markdown stores for `![Boats](image:N)` alone in its paragraph.
    post.body_html = (
        f'<p>Intro.</p><figure><img src="{image.url}" alt="Boats" width="800" height="600">'
        "<figcaption>The harbour</figcaption></figure>"
    )
    type(post).objects.filter(pk=post.pk).update(body_html=post.body_html)
    # The page's 13 (10, and the comment thread's 2 and rules 1), the image and its renditions.
    with django_assert_max_num_queries(15):
        html = client.get(post.get_absolute_url()).content.decode()
    body = re.search(r'<div class="post-body">(.*?)</div>', html, re.S).group(1)
    assert '<source type="image/avif" srcset="' in body
    img = re.search(r"<img [^>]+>", body).group(0)
    assert 'alt="Boats"' in img and 'width="800" height="600"' in img
    assert 'loading="lazy"' in img and 'sizes="' in img
    assert re.findall(r" (\d+)w", re.search(r'srcset="([^"]+)"', img).group(1)) == [
        "160",
        "320",
        "800",
    ]
    assert "<figcaption>The harbour</figcaption>" in body


def test_other_images_and_bodies_without_images_are_left_alone(client):
    post = PostFactory(body="Text only.")
    body = client.get(post.get_absolute_url()).content.decode()
    assert "<picture>" not in body


def img_attrs(html: str, src: str) -> dict[str, str]:
    tag = re.search(rf'<img [^>]*src="{re.escape(src)}"[^>]*>', html).group(0)
    return dict(re.findall(r'(\w+)="([^"]*)"', tag))


def test_markdown_reference_becomes_a_figure_on_save_and_a_picture_on_the_page(
    client, make_image, small_widths
):
    image = make_image("JPEG", (800, 600), caption="The harbour", credit="Ana")
    post = PostFactory(body=f"Intro.\n\n![Boats in fog](image:{image.pk})\n\nAfter.")
    assert re.search(r"<figure><img [^>]+><figcaption>", post.body_html)
    assert img_attrs(post.body_html, image.url) == {
        "src": image.url,
        "alt": "Boats in fog",
        "width": "800",
        "height": "600",
    }
    assert '<figcaption>The harbour <span class="credit">Ana</span></figcaption>' in (
        post.body_html
    )
    html = client.get(post.get_absolute_url()).content.decode()
    body = re.search(r'<div class="post-body">(.*?)</div>', html, re.S).group(1)
    assert '<source type="image/webp"' in body and 'loading="lazy"' in body
    assert 'alt="Boats in fog"' in body


def test_inline_reference_without_alt_takes_the_library_alt_and_unknown_ids_vanish(make_image):
    image = make_image("PNG", (120, 80), renditions=False)
    post = PostFactory(body=f"See ![](image:{image.pk}) and ![lost](image:999999999).")
    attrs = img_attrs(post.body_html, image.url)
    assert (attrs["alt"], attrs["width"], attrs["height"]) == ("A harbour at dawn", "120", "80")
    assert "<figure>" not in post.body_html  # inline: stays in its paragraph
    assert "image:" not in post.body_html and "lost" in post.body_html


def test_deleting_an_image_rerenders_the_posts_that_show_it(
    make_image, django_capture_on_commit_callbacks
):
    from images import services

    image = make_image("PNG", (120, 80), renditions=False)
    body = f"Before.\n\n![Boats in fog](image:{image.pk})\n\nAfter."
    showing = PostFactory(body=body)
    other = PostFactory(body="No pictures here.")
    assert image.url in showing.body_html
    stored_at = showing.updated_at, other.updated_at

    with django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=image)

    showing.refresh_from_db()
    other.refresh_from_db()
    assert "<img" not in showing.body_html and "<figure>" not in showing.body_html
    assert "Boats in fog" in showing.body_html  # the alt text stays, as text
    assert showing.body == body  # the writer's text is untouched
    assert showing.updated_at > stored_at[0] and other.updated_at == stored_at[1]


# Many references (issue 26, finding 3) ---------------------------------------------------


def test_a_body_naming_more_library_images_than_the_cap_is_refused(api_as, author, make_image):
    image = make_image("PNG", (40, 30), renditions=False)
    limit = 200
    client = api_as(author)
    body = f"![](image:{image.pk})\n" * (limit + 1)
    response = client.post("/api/posts/", {"title": "Refs", "body": body}, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert "shows 201 library images; a post may show at most 200" in error["message"]

    body = f"![](image:{image.pk})\n" * limit
    response = client.post("/api/posts/", {"title": "Refs", "body": body}, format="json")
    assert response.status_code == 201
    assert response.json()["body_html"].count(f'src="{image.url}"') == limit


def test_a_stored_body_with_thousands_of_images_renders_each_picture_once(
    client, make_image, settings
):
    # A body saved before the cap: 3,000 copies of one image. Each <img> once cost a
    # template render and a pass over the whole body (15.9 s a view at 10,000).
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "MAX_BODY_IMAGES": 2_500}
    image = make_image("PNG", (40, 30), renditions=False)
    post = PostFactory(body="Many.")
    tag = f'<p><img src="{image.url}" alt="Dot" width="40" height="30"></p>\n'
    type(post).objects.filter(pk=post.pk).update(body_html=tag * 3_000)
    response = client.get(post.get_absolute_url())
    pictures = [t for t in response.templates if t.name == "images/_picture.html"]
    assert len(pictures) == 1  # one (image, alt): rendered once
    body = response.content.decode()
    assert body.count("<picture>") == 2_500  # the cap: the rest keep the original
    assert body.count(f'<p><img src="{image.url}" alt="Dot"') == 500
