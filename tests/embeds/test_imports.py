"""Imported WordPress shortcodes and embed blocks become a URL alone on its line, which
the embeds app shows as an embed (transfer never imports embeds)."""

from __future__ import annotations

import pytest

from blog.markdown import render_markdown
from embeds.body import lone_urls
from transfer.html import wordpress_to_markdown

YOUTUBE = "https://www.youtube.com/watch?v=abc_123"

CASES = [
    (f"[embed]{YOUTUBE}[/embed]", YOUTUBE),
    (f"[youtube {YOUTUBE}]", YOUTUBE),
    (f"[youtube={YOUTUBE}]", YOUTUBE),
    ('[youtube id="abc_123"]', YOUTUBE),
    ("[vimeo]https://vimeo.com/76979871[/vimeo]", "https://vimeo.com/76979871"),
    ("[vimeo 76979871]", "https://vimeo.com/76979871"),
    (
        '[soundcloud url="https://api.soundcloud.com/tracks/293"]',
        "https://api.soundcloud.com/tracks/293",
    ),
    (
        "[spotify https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC]",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
    ),
    ("[tweet https://twitter.com/jack/status/20]", "https://twitter.com/jack/status/20"),
    (
        '<!-- wp:embed {"url":"https://vimeo.com/123"} -->\n<figure class="wp-block-embed">'
        '<div class="wp-block-embed__wrapper">\nhttps://vimeo.com/123?a=1&amp;b=2\n</div>'
        "</figure>\n<!-- /wp:embed -->",
        "https://vimeo.com/123?a=1&b=2",
    ),
]


@pytest.mark.parametrize(("shortcode", "url"), CASES)
def test_shortcodes_and_embed_blocks_become_a_lone_url(shortcode, url):
    markdown = wordpress_to_markdown(f"Before, in a sentence. {shortcode} After.")
    assert f"\n<{url}>\n" in markdown, markdown
    html = render_markdown(markdown)
    assert lone_urls(html) == [url]
    assert "Before, in a sentence." in html and "After." in html


def test_a_link_whose_text_is_other_words_stays_a_link():
    markdown = wordpress_to_markdown('<p><a href="https://vimeo.com/1">our film</a></p>')
    assert markdown == "[our film](https://vimeo.com/1)\n"
    assert lone_urls(render_markdown(markdown)) == []
