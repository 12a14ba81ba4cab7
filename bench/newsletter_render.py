"""The newsletter e-mail's cost: `render_issue` once, `message_for` per member.

    uv run --frozen python bench/newsletter_render.py [--members 10000]

A realistic post (about 2,000 words: headings, lists, a quote, code, a library image with
its renditions, links) is rendered once — templates, the body made fit for mail, CSS
inlined, the plain text from the Markdown — and then addressed to `--members` members:
two signed tokens and the join of the pre-split parts each. Also timed, for the sender's
budget: turning a message into bytes (`message().as_bytes()`, what the SMTP backend
sends), which is Python's e-mail package and the sender's cost, not this module's.

Against a throwaway SQLite database in a temporary folder; nothing is sent. Not a test:
numbers depend on the machine, so they are printed, not asserted. Target: `message_for`
well under 1 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="broadsheet-bench-newsletter-")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings.local",
    DJANGO_DEBUG="0",
    DATABASE_URL=f"sqlite:///{TMP}/db.sqlite3",
    DJANGO_MEDIA_ROOT=f"{TMP}/media",
    DJANGO_ALLOWED_HOSTS="testserver",
)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

SECTION = """## Part {n}: what the tide brings

Most mornings the catch is sardines and mackerel. On a good day there is sea bream, and the
auction runs until eight. Prices are chalked on a board, [as they have been for a
century](https://example.org/history/{n}), and buyers shout in a shorthand of their own
that nobody writes down. The boats are older than most of the men who work them. **Some
of them were built here**, on the slip at the end of the quay, before the yard closed.

- Sardines: 3.20 €/kg, down from last week
- Mackerel: 2.10 €/kg
- Sea bream: 14.00 €/kg, when there is any

> "You read the sea like a newspaper," says Rui, who has fished here for forty years.
> "The front page is the weather. The rest is rumour."

```python
def price(kilos, per_kilo):
    return round(kilos * per_kilo, 2)  # euros, rounded at the scale
```

The auction's clerk keeps [the ledger](/archive/) the old way, and the town council has
tried three times to replace it with a screen. Each time the screen lost. The fishermen
trust the ledger because it has never been wrong in their favour, which they take as
proof that it is honest. {filler}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    setup_test_environment()
    from images import services
    from members.models import Member
    from newsletters.mail import render_issue
    from newsletters.models import Delivery, Issue, Newsletter
    from tests.factories import PostFactory
    from tests.images import samples

    image = services.image_create(
        upload=io.BytesIO(samples.encoded("JPEG", (2400, 1600))),
        alt_text="Boats at dawn",
        uploaded_by=None,
    )
    services.renditions_make(image=image)
    filler = "The gulls know the schedule better than anyone. " * 6
    body = "\n".join(SECTION.format(n=n, filler=filler) for n in range(1, 9))
    body = f"Intro.\n\n![Boats at dawn](image:{image.pk})\n\n{body}"
    post = PostFactory(title="Mornings at the fish auction", body=body)
    letter = Newsletter.objects.create(name="The Harbour Letter", slug="harbour")
    issue = Issue.objects.create(newsletter=letter, post=post, subject=post.title)
    member = Member.objects.create(email="ada@example.com", status="active")
    words = len(post.body.split())

    render_issue(issue)  # warm up templates
    times = []
    for _ in range(20):
        started = time.perf_counter()
        rendered = render_issue(issue)
        times.append((time.perf_counter() - started) * 1000)
    html = rendered.html_for(member.pk, member.email)
    print(f"post: {words:,} words of Markdown, {len(post.body_html):,} characters of body HTML")
    print(
        f"render_issue: median {statistics.median(times):.1f} ms over 20 "
        f"(HTML part {len(html):,} characters)"
    )

    deliveries = [
        Delivery(issue=issue, member_id=n, email=f"member{n}@example.com")
        for n in range(1, args.members + 1)
    ]
    started = time.perf_counter()
    for delivery in deliveries:  # each message dropped after use, as the sender does
        rendered.message_for(delivery)
    elapsed = time.perf_counter() - started
    print(
        f"message_for x {args.members:,}: {elapsed:.2f} s in all, "
        f"{elapsed / args.members * 1e6:.0f} µs each"
    )

    sample = [rendered.message_for(delivery) for delivery in deliveries[:1000]]
    started = time.perf_counter()
    sizes = [len(message.message().as_bytes(linesep="\r\n")) for message in sample]
    elapsed = time.perf_counter() - started
    print(
        f"message().as_bytes() x {len(sample):,} (the SMTP backend's serialisation): "
        f"{elapsed / len(sample) * 1e3:.2f} ms each, {statistics.mean(sizes) / 1024:.0f} KiB "
        f"per message"
    )


if __name__ == "__main__":
    main()
