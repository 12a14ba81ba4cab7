"""blog/links.py: the paths of posts, categories and tags are exactly reverse()'s."""

import pytest
from django.urls import NoReverseMatch, reverse

from blog.links import slug_path


@pytest.mark.parametrize("name", ["blog:post", "blog:category", "blog:tag"])
@pytest.mark.parametrize("slug", ["harbour-lights", "a_b-9", "x"])
def test_a_plain_slug_gets_reverses_path(name, slug):
    assert slug_path(name, slug) == reverse(name, args=[slug])


@pytest.mark.parametrize("slug", ["ünï", "a b", "a/b", ""])
def test_anything_else_is_left_to_reverse(slug):
    with pytest.raises(NoReverseMatch):
        slug_path("blog:post", slug)


def test_the_script_prefix_is_honoured(settings):
    from django.urls import set_script_prefix

    set_script_prefix("/news/")
    try:
        assert slug_path("blog:post", "a") == "/news/posts/a/" == reverse("blog:post", args=["a"])
    finally:
        set_script_prefix("/")
