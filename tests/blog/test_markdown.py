"""Markdown is rendered once on save and sanitised with an allow-list."""

import pytest

from blog.markdown import excerpt_from, reading_minutes, render_markdown
from tests.factories import PostFactory

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example/"></iframe>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<object data="x.swf"></object>',
    '<form action="https://evil.example/"><input name="p"></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<p title="</p><script>alert(1)</script>">x</p>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<scr<script>ipt>alert(1)</script>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<style>body{display:none}</style>",
    '<img src="x" onmouseover="alert(1)">',
    '<details open ontoggle="alert(1)">',
]
FORBIDDEN = [
    "<script", "onerror", "onload", "javascript:", "vbscript:", "<iframe", "<object",
    "<form", "<style", "<meta", "<link", "ontoggle", "onmouseover", "data:text/html",
]  # fmt: skip


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitiser_removes_active_content(payload):
    html = render_markdown(payload).lower()
    for needle in FORBIDDEN:
        assert needle not in html, f"{payload!r} rendered as {html!r}"


def test_structure_survives():
    source = """# Heading

- one
- two

1. first

[a link](https://example.com/ "title") and ![an image](https://example.com/a.png)

```python
print("<b>hi</b>")
```

| a | b |
|---|---|
| 1 | 2 |
"""
    html = render_markdown(source)
    for tag in ["<h1", "<ul>", "<ol>", "<li>", '<a href="https://example.com/"', "<img",
                "<pre>", "<code", "<table>", "<th>", "<td>"]:  # fmt: skip
        assert tag in html, tag
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_excerpt_comes_from_paragraphs():
    html = render_markdown("# Title\n\nThe lamp never sleeps.\n\n- oil\n- wick\n\n```\ncode\n```")
    assert excerpt_from(html) == "The lamp never sleeps."
    assert excerpt_from(render_markdown("- only\n- a list")) == "only a list"


def test_excerpt_and_reading_time():
    assert excerpt_from("<p>" + "word " * 100 + "</p>", limit=20).endswith("…")
    assert len(excerpt_from("<p>" + "word " * 100 + "</p>", limit=20)) <= 21
    assert reading_minutes("word " * 1000) == 5
    assert reading_minutes("") == 1


@pytest.mark.django_db
def test_post_renders_on_save_and_derives_excerpt():
    post = PostFactory(body="Hello <script>x()</script>**world**", excerpt="")
    assert "<strong>world</strong>" in post.body_html
    assert "<script" not in post.body_html
    assert post.excerpt.startswith("Hello")
    post.body = "Changed"
    post.save()
    post.refresh_from_db()
    assert post.body_html == "<p>Changed</p>"
