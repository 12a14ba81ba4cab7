"""Synthetic WordPress exports of any size, written as a stream (for bench/ and tests).

    python -m tests.transfer.generate OUT.xml --posts 10000 --body-kb 2.5

Each post has block-editor paragraphs with links and emphasis, a heading, a list, a
`[caption]` shortcode every fifth post, two tags and a category three levels deep.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = [
    "harbour",
    "lighthouse",
    "ledger",
    "compass",
    "quarry",
    "meadow",
    "lantern",
    "orchard",
    "glacier",
    "tundra",
    "archive",
    "beacon",
    "canyon",
    "delta",
    "estuary",
    "fjord",
    "granite",
    "hamlet",
    "isthmus",
    "jetty",
]
HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Generated</title><link>https://gen.example</link>
<wp:wxr_version>1.2</wp:wxr_version>
"""


def _paragraph(i: int, n: int) -> str:
    words = [WORDS[(i * 7 + n * 3 + k) % len(WORDS)] for k in range(40)]
    words[5] = f'<a href="https://example.com/{i}/{n}">{words[5]}</a>'
    words[12] = f"<em>{words[12]}</em>"
    return f"<!-- wp:paragraph -->\n<p>{' '.join(words)}.</p>\n<!-- /wp:paragraph -->\n\n"


def body(i: int, size: int) -> str:
    parts = [f'<!-- wp:heading -->\n<h2 class="wp-block-heading">Part {i}</h2>\n']
    parts.append("<!-- wp:list -->\n<ul><li>one</li><li>two</li><li>three</li></ul>\n\n")
    if i % 5 == 0:
        parts.append(
            f'[caption id="attachment_{i}" width="300"]<img src="https://gen.example/{i}.jpg"'
            f' alt="Picture {i}" /> Caption {i}[/caption]\n\n'
        )
    n = 0
    while sum(map(len, parts)) < size:
        parts.append(_paragraph(i, n))
        n += 1
    return "".join(parts)


def write_wxr(
    path: Path, *, posts: int, body_bytes: int, authors: int = 5, site: str = "gen.example"
) -> int:
    """Write the export; returns its size in bytes."""
    start = datetime(2015, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for a in range(authors):
            out.write(
                f"<wp:author><wp:author_login>writer{a}</wp:author_login>"
                f"<wp:author_email>writer{a}@gen.example</wp:author_email>"
                f"<wp:author_display_name>Writer {a}</wp:author_display_name></wp:author>\n"
            )
        for c in range(10):
            parent = f"section-{c // 5}" if c >= 2 else ""
            out.write(
                f"<wp:category><wp:category_nicename>section-{c}</wp:category_nicename>"
                f"<wp:category_parent>{parent}</wp:category_parent>"
                f"<wp:cat_name>Section {c}</wp:cat_name></wp:category>\n"
            )
        for i in range(posts):
            date = start + timedelta(hours=i)
            tags = "".join(
                f'<category domain="post_tag" nicename="tag-{t}">Tag {t}</category>'
                for t in (i % 20, (i * 3) % 20)
            )
            out.write(
                f"<item><title>{escape(f'Post {i} about {WORDS[i % len(WORDS)]}')}</title>"
                f"<link>https://{site}/{date:%Y/%m/%d}/post-{i}/</link>"
                f"<dc:creator>writer{i % authors}</dc:creator>"
                f'<guid isPermaLink="false">https://{site}/?p={i + 1}</guid>'
                f"<content:encoded><![CDATA[{body(i, body_bytes)}]]></content:encoded>"
                f"<excerpt:encoded><![CDATA[]]></excerpt:encoded>"
                f"<wp:post_id>{i + 1}</wp:post_id>"
                f"<wp:post_date>{date:%Y-%m-%d %H:%M:%S}</wp:post_date>"
                f"<wp:post_date_gmt>{date:%Y-%m-%d %H:%M:%S}</wp:post_date_gmt>"
                f"<wp:post_name>post-{i}</wp:post_name>"
                f"<wp:status>{'draft' if i % 50 == 0 else 'publish'}</wp:status>"
                f"<wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="section-{i % 10}">Section</category>'
                f"{tags}</item>\n"
            )
        out.write("</channel></rss>\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--body-kb", type=float, default=2.5)
    args = parser.parse_args()
    size = write_wxr(args.out, posts=args.posts, body_bytes=int(args.body_kb * 1024))
    print(f"{args.out}: {args.posts} posts, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
