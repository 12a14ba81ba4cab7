"""Editors' links are followed: no `rel` in post bodies. Text readers write is rendered
with `reader_content=True`, whose links to other sites get `rel="nofollow ugc"`."""

import re

import pytest
from django.test import override_settings

from blog.markdown import render
from tests.factories import PostFactory

BODY = """\
See [our archive](/archive/), [the about page](https://blog.example.com/about/),
[a friend](https://friend.example.org/post), [mail us](mailto:desk@example.com)
and <a href="https://raw.example.net/">a raw link</a>.[^1]

[^1]: A footnote with [its source](https://source.example.org/).
"""
SITE = "https://blog.example.com"


def links(html: str) -> list[str]:
    return re.findall(r"<a [^>]*>", html)


@override_settings(SITE_URL=SITE)
def test_post_bodies_have_no_rel_at_all():
    html = render(BODY).html
    assert 'href="/archive/"' in html and 'href="https://friend.example.org/post"' in html
    assert 'class="footnote-backref"' in html  # the back-link is there...
    assert "rel=" not in html  # ...and no link, internal or not, carries nofollow
    assert len(links(html)) == 8


@override_settings(SITE_URL=SITE)
def test_reader_content_marks_links_to_other_sites_nofollow_ugc():
    html = render(BODY, reader_content=True).html
    marked = [link for link in links(html) if 'rel="nofollow ugc"' in link]
    hrefs = sorted(link.split('href="')[1].split('"')[0] for link in marked)
    assert hrefs == [
        "https://friend.example.org/post",
        "https://raw.example.net/",
        "https://source.example.org/",
    ]
    unmarked = [link for link in links(html) if "rel=" not in link]
    assert any('href="/archive/"' in link for link in unmarked)
    assert any('href="https://blog.example.com/about/"' in link for link in unmarked)
    assert any("mailto:" in link for link in unmarked)
    assert any("footnote-backref" in link for link in unmarked)


@override_settings(SITE_URL=SITE)
def test_a_reader_cannot_choose_their_own_rel():
    html = render(
        '<a href="https://x.example/" rel="me">x</a> [y](//y.example/)', reader_content=True
    ).html
    assert 'rel="me"' not in html
    assert html.count('rel="nofollow ugc"') == 2  # protocol-relative is another site too


@pytest.mark.django_db
def test_a_saved_post_page_has_followed_links(client):
    post = PostFactory(body="Read [the harbour report](https://harbour.example.org/report).")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<a href="https://harbour.example.org/report">the harbour report</a>' in page
    assert "nofollow" not in post.body_html
