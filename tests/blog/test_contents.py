"""The post page's table of contents: lists within lists, so numbering reads 1, 2 with
the h3s numbered under their h2 (it read "1, ◦, 3" as one flat list)."""

import re

import pytest

from blog.markdown import nested_contents, table_of_contents
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

BODY = """\
## Lighting

### Oil

### Wick

## Keeping watch

## Logbook
"""


def contents(html: str) -> str:
    start = html.index('<nav class="toc"')
    return html[start : html.index("</nav>", start)]


def test_h3s_are_nested_under_their_h2(client):
    post = PostFactory(body=BODY)
    toc = contents(client.get(post.get_absolute_url()).content.decode())
    assert re.sub(r"\s+", " ", toc.split("</h2>", 1)[1]).strip() == (
        '<ol><li class="toc-h2"><a href="#lighting">Lighting</a>'
        '<ol><li class="toc-h3"><a href="#oil">Oil</a></li>'
        '<li class="toc-h3"><a href="#wick">Wick</a></li></ol></li>'
        '<li class="toc-h2"><a href="#keeping-watch">Keeping watch</a></li>'
        '<li class="toc-h2"><a href="#logbook">Logbook</a></li></ol>'
    )


def test_an_h3_before_any_h2_stands_at_the_top():
    headings = table_of_contents(
        '<h3 id="a">A</h3><h2 id="b">B</h2><h3 id="c">C</h3><h2 id="d">D</h2>'
    )
    tree = nested_contents(headings)
    assert [(item["id"], [child["id"] for child in item["children"]]) for item in tree] == [
        ("a", []),
        ("b", ["c"]),
        ("d", []),
    ]
