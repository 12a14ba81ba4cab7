"""Backup and restore of the running stack while writes go on (issue 33, finding 8).

scripts/backup.sh runs against the live stack (database first, then media) while a
client keeps uploading images and creating posts through nginx; scripts/restore.sh
restores it into a fresh database and a fresh media folder (pg_restore, unpack, migrate,
make_renditions, verify_restore). Then the copy is compared with the live site: every
write acknowledged before the backup began is there, every image and rendition row has
its file, byte for byte the live one, and every image has its renditions.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.e2e.conftest import ROOT, Stack, wait_for
from tests.images import samples

pytestmark = pytest.mark.stack


class Writer(threading.Thread):
    """Uploads an image and creates a post, again and again; keeps a ledger of what the
    API acknowledged (kind, id, monotonic time of the answer)."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack, self.session = stack, stack.session()
        self.session.headers["Authorization"] = f"Bearer {stack.token()}"
        self.ledger: list[tuple[str, int, float]] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            picture = samples.encoded("JPEG", (500 + n % 50, 333), gps=False)
            response = self.session.post(
                self.stack.url + "/api/images/",
                files={"file": (f"b{n}.jpg", picture, "image/jpeg")},
                data={"alt_text": f"backup picture {n}"},
                timeout=30,
            )
            self._record("image", response)
            response = self.session.post(
                self.stack.url + "/api/posts/",
                json={
                    "title": f"Backup {uuid.uuid4().hex[:8]}",
                    "body": "b",
                    "status": "published",
                },
                timeout=30,
            )
            self._record("post", response)

    def _record(self, kind: str, response) -> None:
        if response.status_code == 201:
            self.ledger.append((kind, response.json()["id"], time.monotonic()))
        else:
            self.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")

    def acknowledged(self, kind: str, before: float = float("inf")) -> set[int]:
        return {pk for k, pk, at in self.ledger if k == kind and at < before}


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_while_writing_restores_into_a_fresh_site_with_every_file(stack, tmp_path):
    live_media = Path(stack.env["DJANGO_MEDIA_ROOT"])
    writer = Writer(stack)
    writer.start()
    try:
        wait_for(lambda: len(writer.acknowledged("image")) >= 3, 60, what="writes under way")
        began = time.monotonic()
        backup = _run("backup.sh", stack.env, str(tmp_path / "backup"))
        backup_seconds = time.monotonic() - began
        ended = len(writer.ledger)
        wait_for(lambda: len(writer.ledger) >= ended + 2, 60, what="writes after the backup")
    finally:
        writer.stopping.set()
        writer.join(60)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert writer.errors == []
    during = [kind for kind, _, at in writer.ledger if began <= at <= began + backup_seconds]

    name = f"restored_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(stack.env["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(stack.env["DATABASE_URL"])
        restored_url = urlunsplit(parts._replace(path=f"/{name}"))
        restored_media = tmp_path / "restored-media"
        env = {**stack.env, "DATABASE_URL": restored_url, "DJANGO_MEDIA_ROOT": str(restored_media)}
        began_restore = time.monotonic()
        restore = _run("restore.sh", env, str(tmp_path / "backup"))
        restore_seconds = time.monotonic() - began_restore
        assert restore.returncode == 0, restore.stdout + restore.stderr
        assert "Every image and rendition has its file." in restore.stdout

        with psycopg.connect(restored_url) as connection:
            posts = {row[0] for row in connection.execute("SELECT id FROM blog_post")}
            images = dict(connection.execute("SELECT id, file FROM images_image").fetchall())
            renditions = connection.execute(
                "SELECT image_id, file FROM images_rendition"
            ).fetchall()
        # Everything acknowledged before the backup began is in the copy.
        assert writer.acknowledged("post", before=began) <= posts
        assert writer.acknowledged("image", before=began) <= set(images)
        # Every row has its file: an original is the live site's file, byte for byte; a
        # rendition too, unless the restore made it (the dump was taken before the worker
        # had), then it is a file of its own.
        for file in images.values():
            assert _sha(restored_media / file) == _sha(live_media / file), file
        for _, file in renditions:
            assert (restored_media / file).is_file(), file
            if (live_media / file).exists():
                assert _sha(restored_media / file) == _sha(live_media / file), file
        # Every image has its renditions (those the dump lacked were made by the restore).
        assert {image_id for image_id, _ in renditions} == set(images)
    finally:
        with psycopg.connect(stack.env["DATABASE_URL"], autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    made = [line for line in restore.stdout.splitlines() if line.startswith("Made ")]
    print(
        f"\n[backup] {backup_seconds:.2f} s while writing ({len(during)} writes acknowledged "
        f"during it); restored {len(posts)} posts, {len(images)} images, "
        f"{len(renditions)} renditions; {made[-1] if made else ''} by the restore; "
        f"missing files 0; restore {restore_seconds:.1f} s; {backup.stdout.splitlines()[-1]}"
    )
    assert os.path.exists(tmp_path / "backup" / "backup.txt")
