"""A body too complex to format in the render budget (issue 8, finding 4; issue 26,
finding 2: nested raw HTML, and one rendering per save).

Writers are told (admin form, API, live preview); entry points that do not validate
(the shell, importers) store the body as escaped plain text. Ordinary long articles are
formatted in full. No test here times anything: the bodies are ten times past the budget
or far within it, and bench/markdown_pathological.py measures the times.
"""

import pytest
from django.urls import reverse

from blog.markdown import (
    MAX_NESTING_DEPTH,
    TOO_COMPLEX_MESSAGE,
    TOO_DEEP_MESSAGE,
    markup_depth,
    plain_text,
    reading_minutes,
    render,
    render_markdown,
)
from blog.models import Post
from tests.admin.test_states import change_url, form
from tests.factories import PostFactory
from transfer.bodies import prepare_body

# Several seconds of markdown-it without a budget (bench: `"[" * n`, `"![" * n`).
HOSTILE = "Before the brackets: <script>alert(1)</script> & more.\n\n" + "![" * 99_000


def ordinary_article(size: int = 150_000) -> str:
    """A long article of the ordinary kind: headings, paragraphs, links, lists, code."""
    sections, length = [], 0
    while length < size:
        n = len(sections)
        sections.append(
            f"## Part {n}\n\n"
            + "The keeper climbed the stairs at dusk and trimmed the wick. " * 8
            + f"See [the log of night {n}](https://example.com/log/{n}) for *more*.\n\n"
            + "- oil\n- glass\n- **brass**\n\n"
            + f"```python\nprint({n})\n```\n\n"
        )
        length += len(sections[-1])
    return "".join(sections)


ARTICLE = ordinary_article()
PARTS = ARTICLE.count("## Part")


def test_a_hostile_body_falls_back_to_escaped_text_and_an_ordinary_one_does_not():
    rendering = render(HOSTILE)
    assert not rendering.complete
    assert rendering.html.startswith(
        "<p>Before the brackets: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more.</p>"
    )
    assert "<script" not in rendering.html and "<img" not in rendering.html
    assert plain_text(rendering.html).endswith("![" * 20)  # the text is all there

    article = render(ARTICLE)
    assert len(ARTICLE) >= 150_000 and article.complete
    assert '<h2 id="part-0">Part 0</h2>' in article.html
    assert f'<a href="https://example.com/log/{PARTS - 1}"' in article.html
    assert '<span class="nb">print</span>' in article.html  # highlighted, not plain


@pytest.mark.django_db
def test_the_shell_stores_a_hostile_body_as_plain_text():
    post = PostFactory(body=HOSTILE, excerpt="")
    post.refresh_from_db()
    assert post.body == HOSTILE  # the source is kept as written
    assert post.body_html.count("<p>") == 2
    assert "&lt;script&gt;" in post.body_html and "<script" not in post.body_html
    # The excerpt is text (templates, feeds and the API escape it when they output it).
    assert post.summary.startswith("Before the brackets: <script>alert(1)</script>")


@pytest.mark.django_db
def test_a_long_ordinary_article_is_formatted_in_full_on_save():
    post = PostFactory(body=ARTICLE)
    assert post.body_html.count("<h2 ") == PARTS > 200
    assert post.body_html.count('<a href="https://example.com/log/') == PARTS


def test_importers_store_a_hostile_body_as_plain_text():
    source, html, _minutes, excerpt = prepare_body(HOSTILE, "markdown")
    assert source == HOSTILE
    assert html == render(HOSTILE).html and "<script" not in html
    assert excerpt.startswith("Before the brackets:")


@pytest.mark.django_db
def test_the_admin_refuses_a_hostile_body_and_keeps_the_text(client_for, author):
    client = client_for(author)
    response = client.post(
        reverse("admin:blog_post_add"), form(title="Brackets", body=HOSTILE, _action="draft")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["body"] == [TOO_COMPLEX_MESSAGE]
    assert "This text is too complex to format" in response.content.decode()
    assert not Post.objects.exists()

    post = PostFactory(author=author, draft=True, body="Fine words.")
    response = client.post(change_url(post), form(post, body=HOSTILE, _action="draft"))
    assert response.context["adminform"].form.errors["body"] == [TOO_COMPLEX_MESSAGE]
    post.refresh_from_db()
    assert post.body == "Fine words."


@pytest.mark.django_db
def test_the_api_refuses_a_hostile_body_with_a_problem(api_as, author):
    client = api_as(author)
    response = client.post("/api/posts/", {"title": "Brackets", "body": HOSTILE}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "body", "message": TOO_COMPLEX_MESSAGE, "code": "too_complex"}
    ]
    assert not Post.objects.exists()

    post = PostFactory(author=author, draft=True, body="Fine words.")
    response = client.patch(f"/api/posts/{post.pk}/", {"body": HOSTILE}, format="json")
    assert response.status_code == 400
    assert "too complex to format" in response.json()["errors"][0]["message"]
    post.refresh_from_db()
    assert post.body == "Fine words."


@pytest.mark.django_db
def test_the_preview_shows_the_plain_text_under_the_notice(client_for, author):
    response = client_for(author).post(reverse("admin:post_preview"), {"body": HOSTILE})
    data = response.json()
    assert data["complete"] is False
    assert data["html"].startswith(f'<p class="preview-notice" role="alert">{TOO_COMPLEX_MESSAGE}')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in data["html"]
    assert "<script" not in data["html"]

    fine = client_for(author).post(reverse("admin:post_preview"), {"body": "*fine*"}).json()
    assert fine["complete"] is True and fine["html"] == "<p><em>fine</em></p>"


def test_ampersands_and_angle_brackets_come_out_as_before():
    # The sanitiser runs with these entities swapped for noncharacters (speed); the
    # result must not show it, and a body's own noncharacters cannot pose as them.
    assert render_markdown('a & b < c > d "e" [x](/?a=1&b=2)') == (
        '<p>a &amp; b &lt; c &gt; d "e" <a href="/?a=1&amp;b=2">x</a></p>'
    )
    assert render_markdown("\ufdd0\ufdd1 x") == "<p>\ufffd\ufffd x</p>"


def test_reading_time_counts_words_between_tags():
    assert reading_minutes("<b>word</b> " * 400) == 2
    assert reading_minutes("<" * 200_000) == 1  # once quadratic: half a minute


# Nested raw HTML (issue 26, finding 2) --------------------------------------------------

# 7 s in the sanitiser before the nesting limit (22 s on POST /api/posts/).
NESTED = "<dl><dd>" * 25_000


def test_deeply_nested_raw_html_falls_back_to_plain_text_with_its_own_message():
    rendering = render(NESTED)
    assert not rendering.complete
    assert rendering.problem == TOO_DEEP_MESSAGE
    assert rendering.html.startswith("<p>&lt;dl&gt;&lt;dd&gt;")
    assert rendering.excerpt.startswith("<dl><dd><dl><dd>")  # text: escaped on output


def test_nesting_within_the_limit_is_formatted():
    depth = MAX_NESTING_DEPTH // 2 - 1
    source = "<dl><dd>" * depth + "deep" + "</dd></dl>" * depth
    rendering = render(source)
    assert rendering.complete
    assert rendering.html.count("<dd>") == depth and "deep" in rendering.html
    assert markup_depth(rendering.html) == 2 * depth


@pytest.mark.parametrize(
    "unit",
    [
        '<dl ="></dl>"><dd>',  # the parser reads `="` as an attribute name, not a quote
        "<!--><dl><dd>",  # an empty comment, then real tags
        '<dl title="</dl>"><dd title="</dd>">',  # end tags inside attribute values
        "<!-- --!><dl><dd>",  # `--!>` ends a comment too
        "<table><td>",  # the parser adds a body and a row of its own
        "<b><p></b>",  # misnested formatting, rebuilt by the parser
    ],
)
def test_hostile_nesting_is_counted_as_the_html_parser_nests(unit):
    # Within the limit the output is as deep as counted (give or take what the parser
    # adds); past it, the body is refused. Either way the sanitiser never sees more.
    for repeat in (10, 5_000):
        rendering = render(unit * repeat)
        if rendering.complete:
            assert markup_depth(rendering.html) <= 3 * MAX_NESTING_DEPTH
        else:
            assert repeat > 10 and rendering.problem == TOO_DEEP_MESSAGE


@pytest.mark.django_db
def test_the_api_and_the_preview_refuse_deeply_nested_html(api_as, author, client_for):
    response = api_as(author).post(
        "/api/posts/", {"title": "Nested", "body": NESTED}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "body", "message": TOO_DEEP_MESSAGE, "code": "too_complex"}
    ]
    assert not Post.objects.exists()

    data = client_for(author).post(reverse("admin:post_preview"), {"body": NESTED}).json()
    assert data["complete"] is False
    assert data["html"].startswith(f'<p class="preview-notice" role="alert">{TOO_COMPLEX_MESSAGE}')


@pytest.fixture
def sanitiser_calls(monkeypatch):
    """How many times nh3 ran (the render's sanitiser, or any excerpt re-sanitising)."""
    import nh3

    calls = []
    clean = nh3.clean

    def counting(*args, **kwargs):
        calls.append(len(args[0]))
        return clean(*args, **kwargs)

    monkeypatch.setattr(nh3, "clean", counting)
    return calls


@pytest.mark.django_db
def test_an_api_create_renders_the_body_once_and_a_title_patch_not_at_all(
    api_as, author, sanitiser_calls
):
    client = api_as(author)
    body = "First paragraph, *formatted*.\n\n" + ARTICLE[:20_000]
    response = client.post("/api/posts/", {"title": "Once", "body": body}, format="json")
    assert response.status_code == 201
    assert len(sanitiser_calls) == 1  # validation's rendering is the one stored
    post = Post.objects.get()
    assert post.summary.startswith("First paragraph, formatted.")
    assert "<em>formatted</em>" in post.body_html

    sanitiser_calls.clear()
    response = client.patch(f"/api/posts/{post.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert sanitiser_calls == []
    post.refresh_from_db()
    assert post.title == "Renamed" and "<em>formatted</em>" in post.body_html

    response = client.patch(f"/api/posts/{post.pk}/", {"body": "Now *new*."}, format="json")
    assert response.status_code == 200 and len(sanitiser_calls) == 1
    post.refresh_from_db()
    assert post.body_html == "<p>Now <em>new</em>.</p>"


@pytest.mark.django_db
def test_the_admin_renders_the_body_once_on_save(client_for, author, sanitiser_calls):
    response = client_for(author).post(
        reverse("admin:blog_post_add"), form(title="Once", body="Body *here*.", _action="draft")
    )
    assert response.status_code == 302
    assert len(sanitiser_calls) == 1
    assert Post.objects.get().body_html == "<p>Body <em>here</em>.</p>"


def test_plain_text_drops_tags_without_the_sanitiser(sanitiser_calls):
    html = '<p><a href="/x" title="a &gt; b">link &amp; more</a> <img alt="x>y" src="/i"></p>'
    assert plain_text(html) == "link & more"
    assert plain_text('<p>cut <a href="/very/lo') == "cut"
    assert sanitiser_calls == []
