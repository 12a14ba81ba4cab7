"""Bulk-load many posts for benchmarks: `manage.py seed_bulk --posts 100000`.

Uses bulk_create for speed, so it fills the columns `Post.save()` would derive (HTML,
excerpt, reading time; the search vector with one UPDATE on PostgreSQL) itself, from the
same functions. Idempotent per slug prefix: a second run adds only what is missing.
"""

from datetime import timedelta
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from blog.markdown import excerpt_from, reading_minutes, render_markdown
from blog.models import Category, Post, PostAuthor, Tag, search_document
from pagecache.cache import invalidate_pages

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


@lru_cache(maxsize=1024)
def _derived(body: str) -> tuple[str, str, int]:
    """HTML, excerpt and reading time of `body`: a few hundred distinct bodies, rendered once."""
    html = render_markdown(body)
    return html, excerpt_from(html), reading_minutes(body)


class Command(BaseCommand):
    help = "Bulk-create posts for benchmarks (default 100,000; 5% drafts, 1% scheduled)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--posts", type=int, default=100_000)
        parser.add_argument("--batch", type=int, default=5_000)

    def handle(self, *args, posts: int, batch: int, **options) -> None:
        User = get_user_model()
        author, _ = User.objects.get_or_create(
            username="bulk-writer",
            defaults={"email": "bulk-writer@example.com", "display_name": "Bulk Writer"},
        )
        categories = [Category.objects.get_or_create(name=f"Bulk {w}")[0] for w in WORDS[:5]]
        tags = [Tag.objects.get_or_create(name=f"bulk-{w}")[0] for w in WORDS[:8]]
        existing = Post.objects.filter(slug__startswith="bulk-").count()
        now = timezone.now()
        made = 0
        for start in range(existing, posts, batch):
            rows = []
            for i in range(start, min(start + batch, posts)):
                words = [WORDS[(i * k) % len(WORDS)] for k in (1, 3, 7, 11)]
                body = f"# {' '.join(words)}\n\n" + " ".join(WORDS[i % 7 :] * 20)
                html, excerpt, minutes = _derived(body)
                status, published_at = Post.Status.PUBLISHED, now - timedelta(minutes=i)
                if i % 20 == 0:
                    status, published_at = Post.Status.DRAFT, None
                elif i % 100 == 1:
                    published_at = now + timedelta(days=1 + i % 30)
                rows.append(
                    Post(
                        title=f"{' '.join(words).capitalize()} {i}",
                        slug=f"bulk-{i}",
                        author=author,
                        category=categories[i % len(categories)],
                        body=body,
                        body_html=html,
                        summary=excerpt,  # the written excerpt stays blank
                        reading_minutes=minutes,
                        status=status,
                        published_at=published_at,
                        # Old news: the publish sweep has nothing to announce for these.
                        announced_at=published_at if published_at and published_at <= now else None,
                        # As `Post.derive` sets it for a post public when written.
                        first_public_at=(
                            published_at if published_at and published_at <= now else None
                        ),
                    )
                )
            with transaction.atomic():
                created = Post.objects.bulk_create(rows)
                Through = Post.tags.through
                Through.objects.bulk_create(
                    [Through(post_id=p.pk, tag_id=tags[p.pk % len(tags)].pk) for p in created]
                )
                PostAuthor.objects.bulk_create(  # each post's byline: its author
                    [PostAuthor(post_id=p.pk, user_id=p.author_id, position=0) for p in created]
                )
                if connection.vendor == "postgresql":
                    # Batch by batch: one UPDATE of every post outlasts production's
                    # statement timeout (20 s) on a busy machine.
                    Post.objects.filter(pk__in=[p.pk for p in created]).update(
                        search_vector=search_document()
                    )
            made += len(rows)
            self.stdout.write(f"{existing + made} / {posts} posts")
        if made and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE blog_post")
        if made:
            invalidate_pages()  # bulk_create sends no signals: retire cached pages and counts
        self.stdout.write(self.style.SUCCESS(f"Created {made} posts."))
