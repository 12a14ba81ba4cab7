"""`make run` as a newcomer runs it: local settings, a SQLite file, the demo content.

Every page a reader, writer or API client reaches from the demo answers without a server
error (issue 25: every post page with a tag or a category was a 500 here, and the
warm-up said "warmed up"). Runs in a subprocess, as `make run` does, so the settings,
migrations and warm-up are exactly the embedded default's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, logging
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client
from blog.models import Category, Post, Tag
from core.warmup import warm

records = []
handler = logging.Handler()
handler.emit = records.append
logging.getLogger("core.warmup").addHandler(handler)
warm(WSGIHandler())

anonymous, admin = Client(), Client()
admin.force_login(get_user_model().objects.get(username="admin"))
posts = list(Post.objects.all())
public = [p.get_absolute_url() for p in posts if p.is_public]
reader = ["/", "/posts/", "/archive/", "/search/?q=query", "/search/?q=cache -index",
          "/feed/", "/feed/atom/", "/sitemap.xml", "/robots.txt", *public]
reader += [f"/category/{c.slug}/" for c in Category.objects.all()]
reader += [f"/tag/{t.slug}/" for t in Tag.objects.all()]
reader += [f"/author/{p.author.username}/" for p in posts if p.is_public]
staff = ["/admin/", "/admin/blog/post/", "/admin/blog/post/add/"]
staff += [f"/admin/blog/post/{p.pk}/change/" for p in posts]
staff += [p.get_absolute_url() for p in posts]  # drafts too: writers preview them
api = ["/api/posts/", "/api/categories/", "/api/tags/", "/api/authors/", "/api/schema/"]
api += [f"/api/posts/{p.pk}/" for p in posts if p.is_public]
statuses = {}
for who, client, urls in (("reader", anonymous, reader), ("admin", admin, staff),
                          ("api", anonymous, api)):
    for url in dict.fromkeys(urls):
        statuses[f"{who} {url}"] = client.get(url, HTTP_HOST="localhost").status_code
print(json.dumps({
    "public_posts": len(public),
    "with_terms": sum(1 for p in posts if p.is_public and (p.category_id or p.tags.exists())),
    "statuses": statuses,
    "warmup": [(r.levelname, r.getMessage()) for r in records],
}))
"""


def test_every_demo_page_answers_on_the_embedded_default(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_SUPERUSER_PASSWORD": "a-long-demo-password",
        "REDIS_URL": "",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["seed_demo"], ["ensure_admin"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, timeout=300)
    run = subprocess.run(
        [*manage, "shell", "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])

    assert result["public_posts"] >= 20 and result["with_terms"] >= 20
    errors = {url: status for url, status in result["statuses"].items() if status >= 400}
    assert errors == {}
    ((level, message),) = result["warmup"]
    assert level == "INFO" and message.startswith("warmed up"), message
