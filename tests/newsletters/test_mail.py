"""The newsletter e-mail as a member's mail client receives it: sent through the real
SMTP server (the `smtp` fixture) and read back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import pytest
from django.core.mail import get_connection
from django.utils import timezone

from blog.models import Post
from embeds.models import Embed
from newsletters.mail import markdown_text, render_issue, short_lines
from newsletters.models import Issue
from tests.factories import PostFactory
from tests.images.conftest import make_image  # noqa: F401  (fixture)
from tests.newsletters.email_setup import (
    delivery,
    member,
    newsletter,
    parts,
    post_issue,
    sent,
    subscribed,
    urls_in,
)

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"  # BROADSHEET_SITE_URL of the test settings
BODY = """Intro with a [link to our about page](/about/), an [anchor](#later) and **bold**.

## Part two

- one
- two, with [an outside link](https://example.org/x)

> A quote worth keeping.

```python
def greet():
    return "hello"  # a comment
```

| Tide | Time |
|------|------|
| High | 06:10 |

{long}
"""


@pytest.fixture
def mail_widths(settings):
    """Renditions at 320 and 1250 px: the e-mail takes the one of at least 1200 px."""
    settings.BROADSHEET_IMAGES = {**settings.BROADSHEET_IMAGES, "WIDTHS": (320, 1250)}


@pytest.fixture
def harbour(make_image, mail_widths):  # noqa: F811
    image = make_image("JPEG", (1400, 900), alt_text="Boats at the quay")
    long_paragraph = " ".join(["The tide came in slowly over the old stones."] * 40)
    post = PostFactory(
        title="Night at the quay",
        body=BODY.format(long=long_paragraph) + f"\n![Boats at dawn](image:{image.pk})\n",
        cover_image=image,
    )
    return post, image


def test_a_post_arrives_as_text_and_html_with_list_headers(smtp, harbour):
    post, image = harbour
    letter = newsletter()
    ada = member("ada@example.com")
    subscribed(letter, ada)
    issue = post_issue(post, letter)
    [message] = sent(smtp, issue, delivery(issue, ada))

    assert message["Subject"] == "Night at the quay"
    assert message["From"] == "Harbour Desk <desk@news.example>"
    assert message["To"] == "ada@example.com"
    unsubscribe = re.fullmatch(
        rf"<({ORIGIN}/newsletters/unsubscribe/[^/>]+/)>", message["List-Unsubscribe"].strip()
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == '"The Harbour Letter" <harbour-letter.testserver>'
    assert re.fullmatch(
        rf"<newsletter\.{issue.pk}\.\d+\.{ada.pk}@testserver>", message["Message-ID"]
    )

    text, html = parts(message)

    # The HTML: inlined light colours, the dark ones kept in <style> for clients that
    # know them, the post's title linking to it, byline and date, the whole body.
    post_url = f"{ORIGIN}/posts/{post.slug}/"
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert re.search(r'<td class="card"[^>]*style="[^"]*background-color: #ffffff', html)
    assert f'<a href="{post_url}"' in html and "Night at the quay</a></h1>" in html
    author = post.author.public_name
    assert f"By {author} · " in html
    assert "The tide came in slowly" in html and "A quote worth keeping." in html
    assert re.search(r'<pre class="highlight"[^>]*white-space: pre-wrap', html)  # code wraps
    assert "View in browser</a>" in html
    assert unsubscribe[1] in html and f"{ORIGIN}/members/account/" in html
    assert "subscribed to <strong>The Harbour Letter</strong>" in html

    # Every link and image is absolute; images come from our own origin only.
    urls = urls_in(html)
    assert urls and all(re.match(r"https?://|mailto:", url) for url in urls), urls
    sources = re.findall(r'<img [^>]*src="([^"]*)"', html)
    assert sources and all(src.startswith(f"{ORIGIN}/media/") for src in sources)
    assert f"{ORIGIN}/about/" in urls and f"{post_url}#later" in urls
    assert "https://example.org/x" in urls
    # Library images: one rendition of at least 1200 px, shown at the column's width; no
    # srcset, no <picture> (many clients ignore them), no WebP or AVIF.
    rendition = image.renditions.get(width=1250, format="JPEG")
    assert sources.count(f"{ORIGIN}{rendition.file.url}") == 2  # the cover and the figure
    assert 'width="552" height="355"' in html
    assert "srcset" not in html and "<picture" not in html and ".avif" not in html

    # The text part: the Markdown lightly cleaned.
    assert text.startswith("Broadsheet · The Harbour Letter\nView in browser: http://")
    assert "link to our about page (http://testserver/about/)" in text
    assert "an outside link (https://example.org/x)" in text
    assert "[Boats at dawn]" in text and "image:" not in text
    assert "**" not in text and "Part two\n--------" in text
    assert "- one\n- two, with" in text
    assert "> A quote worth keeping." in text
    assert '    def greet():\n        return "hello"  # a comment' in text
    assert "Tide | Time\nHigh | 06:10" in text
    body = text.split("\n-- \n")[0]
    long_lines = [line for line in body.split("\n") if len(line) > 76 and "://" not in line]
    assert not long_lines, "prose is wrapped at 76 columns (a URL is never broken)"
    assert f"Unsubscribe: {unsubscribe[1]}" in text


def test_each_member_gets_their_own_links_and_nothing_else_differs(smtp):
    post = PostFactory(title="Two readers", body="Same words for both.")
    letter = newsletter()
    ada, bob = member("ada@example.com"), member("bob@example.com")
    subscribed(letter, ada, bob)
    issue = post_issue(post, letter)
    first, second = sent(smtp, issue, delivery(issue, ada), delivery(issue, bob))

    assert first["List-Unsubscribe"] != second["List-Unsubscribe"]
    assert first["Message-ID"] != second["Message-ID"]
    html_a, html_b = parts(first)[1], parts(second)[1]
    assert "ada@example.com" in html_a and "bob@example.com" not in html_a
    personal = re.compile(r"/newsletters/(?:unsubscribe|view)/[^/]+/|\w+@example\.com")
    assert personal.sub("", html_a) == personal.sub("", html_b)


def test_a_members_only_post_carries_its_whole_body(smtp):
    post = PostFactory(
        title="For members",
        body="The part only members read.\n\nAnd more of it.",
        audience=Post.Audience.MEMBERS,
    )
    letter = newsletter()
    ada = member()
    issue = post_issue(post, letter)
    [message] = sent(smtp, issue, delivery(issue, ada))
    text, html = parts(message)
    assert "Members only" in html and "The part only members read." in html
    assert "And more of it." in text


def test_a_fetched_embed_becomes_a_link_with_its_thumbnail(smtp):
    url = "https://video.example/watch/quay"
    Embed.objects.create(
        url=url,
        provider="ExampleTube",
        kind="video",
        title="Harbour lights",
        thumbnail="embeds/quay.jpg",
        thumbnail_width=1280,
        thumbnail_height=720,
        frame_src="https://video.example/embed/quay",
        fetched_at=timezone.now(),
    )
    post = PostFactory(title="A film", body=f"Watch this:\n\n{url}\n\nThe end.")
    issue = post_issue(post, newsletter())
    ada = member()
    [message] = sent(smtp, issue, delivery(issue, ada))
    text, html = parts(message)
    card = re.search(r'<div class="embed-card".*?</div>', html, re.DOTALL)[0]
    assert f'<a href="{url}"' in card
    assert f'src="{ORIGIN}/media/embeds/quay.jpg"' in card and 'width="552"' in card
    assert "Harbour lights</a>" in card and "ExampleTube" in card
    assert "<iframe" not in html and "<script" not in html and "<button" not in html
    assert url in text


def test_sender_name_defaults_to_the_site_name_and_odd_names_are_quoted(smtp):
    post = PostFactory(title="Names")
    plain = newsletter(sender_name="", slug="plain")
    odd = newsletter(name='Port "Daily", Lisbon', sender_name="Zé, da Ribeira", slug="odd")
    ada = member()
    first, second = post_issue(post, plain), None
    [message] = sent(smtp, first, delivery(first, ada))
    assert message["From"] == "Broadsheet <desk@news.example>"
    smtp.clear()
    second = Issue.objects.create(newsletter=odd, post=PostFactory(title="Other"), subject="x")
    [message] = sent(smtp, second, delivery(second, ada))
    assert message["From"].addresses[0].display_name == "Zé, da Ribeira"
    assert message["From"].addresses[0].addr_spec == "desk@news.example"
    assert message["List-Id"] == '"Port Daily, Lisbon" <odd.testserver>'


def test_the_weekly_digest_lists_the_weeks_public_posts(smtp, make_image, mail_widths):  # noqa: F811
    monday = date(2025, 3, 3)
    at = lambda day, hour: datetime(2025, 3, day, hour, tzinfo=UTC)  # noqa: E731
    image = make_image("JPEG", (1300, 800), alt_text="Nets drying")
    first = PostFactory(
        title="Nets", published_at=at(3, 9), excerpt="About nets.", cover_image=image
    )
    second = PostFactory(
        title="Members' tides", published_at=at(6, 12), audience=Post.Audience.MEMBERS,
        excerpt="Tide tables, for members.",
    )  # fmt: skip
    PostFactory(title="Last week", published_at=at(2, 23))
    PostFactory(title="Next week", published_at=at(10, 0))
    PostFactory(title="A draft", draft=True)
    letter = newsletter(cadence="weekly", slug="weekly", name="The Week")
    issue = Issue.objects.create(newsletter=letter, week=monday, subject="")
    ada = member()
    [message] = sent(smtp, issue, delivery(issue, ada))

    assert message["Subject"] == "Broadsheet: the week of 3 March 2025"
    text, html = parts(message)
    titles = re.findall(r'<h2 class="entry-title"[^>]*><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert titles == [
        (f"{ORIGIN}/posts/{first.slug}/", "Nets"),
        (f"{ORIGIN}/posts/{second.slug}/", "Members' tides"),
    ]
    assert "About nets." in html and "Tide tables, for members." in html
    assert "3 March 2025" in html and "6 March 2025 · Members only" in html
    cover = image.renditions.get(width=1250, format="JPEG")
    assert f'src="{ORIGIN}{cover.file.url}"' in html
    assert "Last week" not in html and "Next week" not in html and "A draft" not in html
    assert "Nets\n3 March 2025\nAbout nets.\nhttp://testserver/posts/" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_plain_text_keeps_nested_lists_numbers_and_code():
    text = markdown_text(
        "1. First\n2. Second with `code`\n   - inner *one*\n\n"
        "***\n\n<div>raw <b>html</b></div>\n\n![](image:999)\n\n[mail](mailto:a@b.c)",
        base="http://testserver/posts/x/",
    )
    assert text == (
        "1. First\n2. Second with `code`\n   - inner one\n\n* * *\n\nraw html\n\n[image]\n\nmail"
        " (mailto:a@b.c)"
    )


def test_message_for_is_cheap_per_member(django_assert_num_queries):
    post = PostFactory(title="Cheap", body="Words. " * 2000)
    issue = post_issue(post, newsletter())
    ada = member()
    one = delivery(issue, ada)
    rendered = render_issue(issue)
    with django_assert_num_queries(0):  # no query, no template per member
        for _ in range(50):
            rendered.message_for(one)


def test_a_long_week_is_cut_with_a_link_to_the_archive(smtp, settings):
    from newsletters import mail

    monday = date(2025, 3, 3)
    start = datetime(2025, 3, 3, 8, tzinfo=UTC)
    for n in range(mail.DIGEST_MAX_POSTS + 1):
        PostFactory(title=f"Item {n}", published_at=start + timedelta(minutes=n), body="x")
    issue = Issue.objects.create(newsletter=newsletter(slug="w"), week=monday, subject="")
    html = render_issue(issue).html_for(1, "a@b.c")
    assert html.count('class="entry-title"') == mail.DIGEST_MAX_POSTS
    assert f"{ORIGIN}/archive/" in html


SAMPLE = """The harbour wakes before the town does. By five the first boats are in, and the
quay smells of diesel, salt and coffee from the kiosk that never seems to close.

![Boats at dawn](image:{image})

## What the tide brings

Most mornings the catch is sardines and mackerel. On a good day there is sea bream, and
the auction runs until eight. Prices are chalked on a board, [as they have been for a
century](https://example.org/history).

- Sardines: 3.20 €/kg
- Mackerel: 2.10 €/kg
- Sea bream: 14.00 €/kg

> "You read the sea like a newspaper," says Rui, who has fished here for forty years.

The auction's scale still reports in the old format:

```python
def price(kilos, per_kilo):
    return round(kilos * per_kilo, 2)  # euros, rounded at the scale
```

Read [the full tide table](/tides/) on the site.
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)  # as every browser test (tests/conftest.py: browser)
@pytest.mark.parametrize("width, device", [(390, "phone"), (800, "desktop")])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_email_in_a_browser_engine(
    smtp,
    browser,
    make_image,  # noqa: F811
    mail_widths,
    settings,
    width,
    device,
    scheme,
):
    """The HTML part as a mail client shows it (Chromium, the engine of most webmail and of
    Outlook's new app), at phone and desktop widths, light and dark: it fits the screen,
    follows the colour scheme and loads nothing from anywhere but our media."""
    from pathlib import Path

    from tests.browser.shots import shoot

    image = make_image("JPEG", (1400, 900), alt_text="Fishing boats moored at dawn")
    post = PostFactory(
        title="Mornings at the fish auction",
        body=SAMPLE.format(image=image.pk),
        cover_image=None,
        audience=Post.Audience.MEMBERS,
    )
    issue = post_issue(post, newsletter())
    [message] = sent(smtp, issue, delivery(issue, member()))
    _, html = parts(message)

    context = browser.new_context(
        viewport={"width": width, "height": 900},
        color_scheme=scheme,
        is_mobile=device == "phone",
        has_touch=device == "phone",
    )
    elsewhere: list[str] = []
    media = Path(settings.MEDIA_ROOT)

    def serve(route):
        url = route.request.url
        if url.startswith(f"{ORIGIN}/media/"):
            route.fulfill(path=str(media / url.removeprefix(f"{ORIGIN}/media/")))
        else:
            elsewhere.append(url)
            route.abort()

    context.route("**/*", serve)
    page = context.new_page()
    page.set_content(html, wait_until="load")
    assert elsewhere == []
    loaded = page.evaluate(
        "[...document.images].every(img => img.complete && img.naturalWidth > 0)"
    )
    assert loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    card = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert card == ("rgb(22, 27, 34)" if scheme == "dark" else "rgb(255, 255, 255)")
    suffix = "-dark" if scheme == "dark" else ""
    shoot(page, f"newsletter-email-{device}{suffix}")
    context.close()


def test_the_header_has_the_sites_name_and_logo_at_absolute_urls(
    smtp,
    make_image,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from sitesettings.models import SiteSettings

    logo = make_image("PNG", (400, 100), alt_text="Harbour Notes logo")
    with django_capture_on_commit_callbacks(execute=True):
        row = SiteSettings.objects.get()
        row.name, row.logo = "Harbour Notes", logo
        row.save()
    issue = post_issue(PostFactory(title="Logo"), newsletter(sender_name=""))
    [message] = sent(smtp, issue, delivery(issue, member()))
    _, html = parts(message)
    brand = re.search(r'<a class="brand"[^>]*>(.*?)</a>', html, re.S)[1]
    assert re.search(rf'<img class="logo" [^>]*src="{ORIGIN}/media/images/[^"]+"', brand)
    assert 'alt=""' in brand  # the name follows it
    assert 'width="160"' in brand and 'height="40"' in brand
    assert brand.endswith("Harbour Notes")
    assert message["From"] == "Harbour Notes <desk@news.example>"


def _received(smtp, message) -> EmailMessage:
    """`message` sent through Django's SMTP backend to the real server, read back."""
    before = len(smtp.messages)
    with get_connection() as connection:
        connection.send_messages([message])
    smtp.wait_for_count(before + 1)
    return smtp.messages[-1]


def test_long_html_lines_are_cut_between_words_outside_tags_and_pre():
    words = " ".join(f"word{i}" for i in range(400))
    code = "<pre>" + "y " * 600 + "</pre>"
    html = f'<p class="a b c">{words}</p><a href="/x" title="{"t " * 100}">link</a>{code}'

    cut = short_lines(html)

    assert code in cut  # a <pre> is never touched
    assert all(len(line) <= 900 for line in cut.replace(code, "").split("\n"))
    assert " ".join(cut.split()) == " ".join(html.split())  # the same words, in order
    assert f'title="{"t " * 100}"' in cut  # nor is a tag
