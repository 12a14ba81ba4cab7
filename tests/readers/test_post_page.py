"""The post page leads somewhere: contents, author card, previous/next, related, share."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.sitevalues import forget as forget_site_values
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

BODY_WITH_HEADINGS = """Opening words of the post.

## Lighting the lamp

```python
def light(lamp):
    return lamp.on()
```

## Trimming the wick

### Scissors

Done.
"""


def days_ago(n: int):
    return timezone.now() - timedelta(days=n)


def page(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_contents_and_highlighting(client):
    post = PostFactory(body=BODY_WITH_HEADINGS)
    html = page(client, post)
    toc = html[html.index('<nav class="toc"') : html.index("</nav>", html.index('class="toc"'))]
    assert '<a href="#lighting-the-lamp">Lighting the lamp</a>' in toc
    assert '<li class="toc-h3"><a href="#scissors">Scissors</a>' in toc
    assert '<h2 id="lighting-the-lamp">' in html
    assert '<span class="k">def</span>' in html
    assert "css/highlight" in html


def test_no_contents_for_short_posts(client):
    post = PostFactory(body="## One\n\ntext\n\n## Two\n\nmore")
    assert 'class="toc"' not in page(client, post)


def test_author_card(client):
    writer = AuthorFactory(username="ada", display_name="Ada L.", bio="Writes about engines.")
    post = PostFactory(author=writer)
    html = page(client, post)
    card = html[html.index('class="author-card"') :]
    assert 'href="/author/ada/"' in card
    assert "Ada L." in card and "Writes about engines." in card


def test_previous_and_next_follow_publication_order(client):
    older = PostFactory(title="Older", published_at=days_ago(3))
    middle = PostFactory(title="Middle", published_at=days_ago(2))
    newer = PostFactory(title="Newer", published_at=days_ago(1))
    PostFactory(title="Hidden draft", draft=True)
    PostFactory(title="Tomorrow", scheduled=True)
    html = page(client, middle)
    assert f'rel="prev" href="{older.get_absolute_url()}"' in html
    assert f'rel="next" href="{newer.get_absolute_url()}"' in html
    newest = page(client, newer)
    assert 'rel="next"' not in newest.split('class="post-nav"')[1]
    assert "Tomorrow" not in newest and "Hidden draft" not in newest


def test_related_posts_prefer_shared_tags_then_category(client):
    lamps, oil, wicks = TagFactory(name="lamps"), TagFactory(name="oil"), TagFactory(name="wicks")
    home, away = CategoryFactory(name="Home"), CategoryFactory(name="Away")
    post = PostFactory(title="The post", category=home, tags=[lamps, oil, wicks])
    two_tags = PostFactory(title="Two tags", category=away, tags=[lamps, oil])
    one_tag = PostFactory(title="One tag", category=away, tags=[wicks])
    same_category = PostFactory(title="Same category", category=home)
    PostFactory(title="Unrelated", category=away)
    PostFactory(title="Draft sibling", category=home, tags=[lamps], draft=True)
    PostFactory(title="Fourth related", category=home, published_at=days_ago(30))
    html = page(client, post)
    related = html[html.index('class="related"') :]
    titles = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', related)
    assert titles == [two_tags.title, one_tag.title, same_category.title]


def test_share_links_are_plain_links(client):
    post = PostFactory(title="Share me")
    html = page(client, post)
    share = html[html.index('class="share"') : html.index("</p>", html.index('class="share"'))]
    assert "mailto:?subject=Share%20me" in share
    assert "https://bsky.app/intent/compose?text=" in share
    assert "%2Fposts%2F" in share  # the post's own address, encoded
    assert "<script" not in html.replace('<script type="application/ld+json">', "")


def test_excerpt_is_the_first_paragraphs_everywhere(client):
    post = PostFactory(
        excerpt="",
        body="A few rules:\n\n- keep it simple\n\nSimplicity is prerequisite for reliability.",
    )
    assert (post.excerpt, post.summary) == ("", "A few rules:")
    html = page(client, post)
    assert '<meta name="description" content="A few rules:">' in html
    assert '<meta property="og:description" content="A few rules:">' in html
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', html).group(1))
    assert data["description"] == "A few rules:"
    assert "<p>A few rules:</p>" in client.get("/").content.decode()


def queries(client, url) -> int:
    cache.clear()
    forget_site_values()  # built cold: the site settings read too
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_post_page_queries_do_not_grow_with_posts(client):
    category = CategoryFactory()
    tags = [TagFactory(name="a"), TagFactory(name="b")]
    authors = [AuthorFactory(), AuthorFactory()]

    def make(n):
        for i in range(n):
            PostFactory(
                category=category, tags=tags, author=authors[i % 2], body=BODY_WITH_HEADINGS
            )

    make(10)
    post = PostFactory(category=category, tags=tags, published_at=days_ago(100))
    middle = PostFactory(category=category, tags=tags, published_at=days_ago(50))
    with_ten = [queries(client, p.get_absolute_url()) for p in (post, middle)]
    make(40)
    with_fifty = [queries(client, p.get_absolute_url()) for p in (post, middle)]
    assert with_fifty == with_ten
    # Nothing kept (the cache cleared): who may see it; the post (+ author, category), its
    # tags, its authors (the byline), previous, next, related, header categories, the
    # "next scheduled change" lookup and the site settings; the comments under it (their
    # post with its discussion, the comments) and the site's comment rules (then cached).
    # Kept, it is one query (tests/readers/test_fragments.py).
    assert max(with_fifty) <= 13
    assert 'class="related"' in page(client, middle) and 'rel="prev"' in page(client, middle)
