"""Load demo content: categories, tags, writers in each role, and about 30 posts.

Idempotent: every object is looked up by its natural key first, so running it again
adds nothing and changes nothing. Demo writers get unusable passwords (log in as the
admin account and set one if you want to try a role).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.roles import AUTHOR, CONTRIBUTOR, EDITOR
from blog.models import Category, Post, PostAuthor, Tag

CATEGORIES = {
    "Engineering": "How we build and run software.",
    "Culture": "Essays on teams, craft and the working day.",
    "Releases": "What shipped, and why.",
    "Field notes": "Short observations from the work.",
}
TAGS = ["django", "python", "postgres", "performance", "security", "writing", "ops"]
WRITERS = [
    ("ada", "Ada Lovelace", EDITOR, "Editor-in-chief. Writes about engines of all kinds."),
    ("grace", "Grace Hopper", AUTHOR, "Compilers, debugging and nanoseconds."),
    ("linus", "Linus Sample", AUTHOR, "Operations and the quiet joy of uptime."),
    ("margaret", "Margaret Hamilton", CONTRIBUTOR, "Contributor. Software engineering."),
]
TOPICS = [
    "Why we render Markdown once", "Indexes that pay their rent", "A calm on-call rotation",
    "Scheduling posts without cron", "The case for boring technology", "Reading EXPLAIN",
    "Caching anonymous pages", "Feeds still matter", "Small modules, clear names",
    "Writing for the skimmer", "Security headers in practice", "Full-text search in Postgres",
    "Testing with real services", "What a sitemap is for", "On idempotent jobs",
    "Designing an editorial workflow", "Measuring before tuning", "Release notes people read",
    "Moving the clock in tests", "Deploying on a Friday", "Graceful degradation",
    "Slugs that never collide", "The cost of a query", "Accessible by default",
    "Notes from a migration", "Choosing a sanitiser", "Weekly field notes",
    "Draft: ideas for next quarter", "Draft: a style guide", "Coming soon: the 2.0 release",
    "Scheduled: year in review", "Draft: interview notes",
]  # fmt: skip

BODY = """{intro}

## Why it matters

Readers notice **speed** and *clarity* long before they notice features. A few rules:

1. Measure first.
2. Change one thing at a time.
3. Keep what works.

```python
posts = Post.objects.public().for_listing()[:10]
```

| step | time |
|------|------|
| parse | 1 ms |
| render | 3 ms |

> Simplicity is prerequisite for reliability.

Read more on [the Django site](https://www.djangoproject.com/).
"""


class Command(BaseCommand):
    help = "Load idempotent demo content (categories, tags, writers, ~30 posts)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        categories = [
            Category.objects.get_or_create(name=name, defaults={"description": text})[0]
            for name, text in CATEGORIES.items()
        ]
        tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
        writers = [self._writer(*spec) for spec in WRITERS]
        now = timezone.now()
        created = 0
        for i, title in enumerate(TOPICS):
            if Post.objects.filter(title=title).exists():
                continue
            if title.startswith("Draft:"):
                status, published_at = Post.Status.DRAFT, None
            elif title.startswith(("Scheduled:", "Coming soon:")):
                status, published_at = Post.Status.PUBLISHED, now + timedelta(days=3 + i % 5)
            else:
                status, published_at = Post.Status.PUBLISHED, now - timedelta(days=2 * i + 1)
            post = Post.objects.create(
                title=title,
                author=writers[i % len(writers)],
                category=categories[i % len(categories)],
                body=BODY.format(intro=f"{title}: notes from the Broadsheet team."),
                status=status,
                published_at=published_at,
            )
            post.tags.set([tags[i % len(tags)], tags[(i * 3 + 1) % len(tags)]])
            PostAuthor.objects.create(post=post, user=post.author, position=0)  # the byline
            created += 1
        self.stdout.write(
            f"Demo content ready ({created} new posts, {Post.objects.count()} in all)."
        )

    def _writer(self, username: str, name: str, role: str, bio: str):
        User = get_user_model()
        user, made = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.com",
                "display_name": name,
                "bio": bio,
                "is_staff": True,
            },
        )
        if made:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role))
        return user
