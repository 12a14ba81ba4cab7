"""Search finds stemmed words, ranked: FTS5 on SQLite (`make run`), tsvector on PostgreSQL."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from blog.models import Post
from blog.search_sqlite import match_expression
from blog.selectors import search_posts
from tests.factories import PostFactory

ROOT = Path(__file__).resolve().parents[2]

SQLITE_SCRIPT = r"""
import json
from django.test import Client
from blog.models import Post
from blog.selectors import search_posts
from tests.factories import PostFactory

PostFactory(title="Caching anonymous pages", body="Pages are kept for a minute.")
PostFactory(title="Lamps", body="A lamp holds oil. Nothing is cached here, only kept.")
for i in range(6):
    PostFactory(title=f"Filler {i}", body="Words about wicks and glass.")
PostFactory(title="Hidden cache draft", body="cache", draft=True)
moved = PostFactory(title="Cache of old", body="cache", excerpt="about cache")
moved.title, moved.body, moved.excerpt = "Renamed", "Nothing left.", "Nothing left."
moved.save()

def titles(query):
    return [p.title for p in search_posts(Post.objects.public().for_listing(), query)]

page = Client().get("/search/?q=cache", HTTP_HOST="localhost")
print(json.dumps({
    "cache": titles("cache"),
    "caching": titles("CACHING"),
    "syntax": [titles(q) for q in ['NEAR("x', '"unterminated', "lamp*", "a:b", "-"]],
    "status": page.status_code,
    "page": page.content.decode(),
}))
"""


@pytest.mark.own_sqlite
def test_sqlite_search_is_stemmed_ranked_and_kept_in_step(tmp_path):
    """Run as `make run` does: SQLite file database, local settings, real migrations."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True, timeout=300)
    run = subprocess.run(
        [*manage, "shell", "-c", SQLITE_SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # "cache" finds "Caching" (title, ranked first) and "cached" (body); not the draft,
    # and not a post whose words changed on save.
    assert result["cache"] == ["Caching anonymous pages", "Lamps"]
    assert result["caching"] == result["cache"]
    assert result["syntax"] == [[], [], ["Lamps"], [], []]  # FTS5 syntax is just text
    assert result["status"] == 200
    assert "2 results" in result["page"] and "Caching anonymous pages" in result["page"]


def test_match_expression_quotes_every_word():
    assert match_expression('cache NEAR("x" lamp*') == '"cache" "NEAR" "x" "lamp"'
    assert match_expression("  -- ") == ""


@pytest.mark.postgresql  # PostgreSQL's own ranking; SQLite's FTS5 is tested above
@pytest.mark.django_db
def test_postgresql_search_is_stemmed_and_ranked():
    assert connection.vendor == "postgresql"
    PostFactory(title="Lamps", body="Nothing is cached here.")
    PostFactory(title="Caching anonymous pages", body="Pages are kept.")
    PostFactory(title="Hidden cache", draft=True)
    results = list(search_posts(Post.objects.public().for_listing(), "cache"))
    assert [p.title for p in results] == ["Caching anonymous pages", "Lamps"]
    assert results[0].rank > results[1].rank


@pytest.mark.postgresql  # PostgreSQL's own ranking; SQLite's FTS5 is tested above
@pytest.mark.django_db
def test_postgresql_ranks_only_the_newest_matches(monkeypatch):
    """A word in every post ranks a bounded set (the newest), not the whole archive."""
    monkeypatch.setattr("blog.selectors.MAX_RANKED_MATCHES", 2)
    for day in (1, 2, 3):
        PostFactory(title=f"Lantern {day}", published_at=timezone.now() - timedelta(days=10 - day))
    results = search_posts(Post.objects.public().for_listing(), "lantern")
    assert sorted(p.title for p in results) == ["Lantern 2", "Lantern 3"]
