"""Markdown is rendered once on save and sanitised with an allow-list."""

from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command

from blog.markdown import (
    excerpt_from,
    reading_minutes,
    register_plugin,
    render_markdown,
    table_of_contents,
)
from blog.models import Post
from pagecache.cache import invalidate_pages
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
FORBIDDEN_TAGS = {"script", "iframe", "object", "form", "style", "meta", "link", "svg", "math"}
FORBIDDEN_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Elements(HTMLParser):
    """Every element and attribute of a fragment, as a browser would build them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_sanitiser_removes_active_content(payload):
    # Escaped text ("&lt;svg/onload=…&gt;") is harmless: only elements and attributes count.
    html = render_markdown(payload)
    for tag, attrs in elements(html):
        assert tag not in FORBIDDEN_TAGS, f"{payload!r} rendered as {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"{payload!r} rendered as {html!r}"
            assert name != "style" or tag in {"td", "th"}, html
            url = (value or "").strip().lower()
            assert not url.startswith(FORBIDDEN_SCHEMES), f"{payload!r} rendered as {html!r}"


def test_sanitiser_test_sees_active_content():
    """The check above does fail on what it looks for."""
    assert elements('<img src="x" onerror="alert(1)">') == [
        ("img", [("src", "x"), ("onerror", "alert(1)")])
    ]


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
                "<pre", "<code", "<table>", "<th>", "<td>"]:  # fmt: skip
        assert tag in html, tag
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
    assert "rel=" not in html  # editors' links are followed (test_links.py)


def test_excerpt_comes_from_paragraphs():
    html = render_markdown("# Title\n\nThe lamp never sleeps.\n\n- oil\n- wick\n\n```\ncode\n```")
    assert excerpt_from(html) == "The lamp never sleeps."
    assert excerpt_from(render_markdown("- only\n- a list")) == "only a list"


def test_code_is_highlighted_on_the_server():
    html = render_markdown('```python\ndef f():\n    return "x"\n```\n\n```\nplain\n```')
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="s2">"x"</span>' in html
    assert "<pre><code>plain" in html  # no language: not guessed, shown as written
    assert "<span" not in render_markdown("```nosuchlanguage\ndef f(): pass\n```")


def test_headings_get_unique_ids_for_the_table_of_contents():
    html = render_markdown("# Main\n\n## Setup\n\n## Setup\n\n### Tuning *the* cache\n")
    assert '<h1 id="main-1">' in html  # "main" is the page's own skip-link target
    assert '<h2 id="setup">' in html and '<h2 id="setup-1">' in html
    assert table_of_contents(html) == [
        {"level": 2, "id": "setup", "title": "Setup"},
        {"level": 2, "id": "setup-1", "title": "Setup"},
        {"level": 3, "id": "tuning-the-cache", "title": "Tuning the cache"},
    ]


def test_extensions_kept_from_python_markdown_extra():
    html = render_markdown("Text[^1] and ~~old~~.\n\n[^1]: The note.\n\nTerm\n: Meaning\n")
    assert '<a href="#fn1" id="fnref1"' in html
    assert '<li id="fn1" class="footnote-item"><p>The note.' in html
    assert "<s>old</s>" in html
    assert "<dt>Term</dt>" in html and "<dd>Meaning</dd>" in html
    assert '<th style="text-align:right">' in render_markdown("|a|\n|-:|\n|1|")


def test_plugins_can_hook_into_the_pipeline_and_are_still_sanitised():
    def shout(md):
        md.core.ruler.push("shout", lambda state: state.env.setdefault("seen", True))
        md.add_render_rule(
            "text",
            lambda self, tokens, idx, options, env: (
                tokens[idx].content.upper() + "<script>x</script>"
            ),
        )

    register_plugin(shout)
    try:
        html = render_markdown("quiet words")
    finally:
        from blog import markdown

        markdown._plugins.remove(shout)
        markdown._parser.cache_clear()
    assert html == "<p>QUIET WORDS</p>"
    assert render_markdown("quiet words") == "<p>quiet words</p>"


def test_excerpt_is_contiguous():
    html = render_markdown("A few rules:\n\n- one\n- two\n\nSimplicity is prerequisite.")
    assert excerpt_from(html) == "A few rules:"
    two = render_markdown("First part.\n\nSecond part.\n\n## Later\n\nFar away.")
    assert excerpt_from(two) == "First part. Second part."


def test_excerpt_cuts_on_a_word_boundary():
    html = render_markdown("Lanterns flicker " * 40)
    excerpt = excerpt_from(html, limit=50)
    assert excerpt == "Lanterns flicker Lanterns flicker Lanterns flicker…"
    assert excerpt_from(render_markdown("x" * 400), limit=10) == "x" * 10 + "…"


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
    assert post.summary.startswith("Hello") and post.excerpt == ""
    post.body = "Changed"
    post.save()
    post.refresh_from_db()
    assert post.body_html == "<p>Changed</p>"
    assert (post.excerpt, post.summary) == ("", "Changed")


@pytest.mark.django_db
def test_render_posts_command_refreshes_old_html():
    post = PostFactory(body="## Old heading")
    Post.objects.filter(pk=post.pk).update(body_html="<h2>stale</h2>")
    out = StringIO()
    call_command("render_posts", stdout=out)
    post.refresh_from_db()
    assert post.body_html == '<h2 id="old-heading">Old heading</h2>'
    assert "1 post(s) re-rendered." in out.getvalue()


@pytest.mark.django_db
def test_excerpts_and_contents_are_text_escaped_once_on_the_page(client):
    """`&` in a body reads `&` everywhere: not `&amp;` shown to readers (escaped twice)."""
    body = "Fish & chips <3\n\n## Salt & vinegar\n\n## Mushy peas\n\n## Tartare\n"
    post = PostFactory(body=body, excerpt="")
    assert post.summary == "Fish & chips <3"
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'content="Fish &amp; chips &lt;3"' in page  # meta description
    assert ">Salt &amp; vinegar</a>" in page  # table of contents
    assert "&amp;amp;" not in page
    assert "&amp;amp;" not in client.get("/").content.decode()
    api = client.get(f"/api/posts/{post.pk}/").json()
    assert api["excerpt"] == "Fish & chips <3"


@pytest.mark.django_db
def test_render_posts_shows_on_the_pages_readers_get_at_once(client):
    """The pages and the pieces kept for them (the post page, the listing's summary) show
    the new HTML at once, not when their cache time runs out."""
    post = PostFactory(body="A harbour *tide*.", excerpt="")
    Post.objects.filter(pk=post.pk).update(body_html="<p>Rendered by the old pipeline.</p>")
    invalidate_pages()  # as the site stood: pages and pieces kept with the old HTML
    assert "Rendered by the old pipeline." in client.get(post.get_absolute_url()).content.decode()
    call_command("render_posts", stdout=StringIO())
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Rendered by the old pipeline." not in page and "<em>tide</em>" in page
