"""The progress bar shows on a terminal (a real pseudo-terminal here), never in a pipe."""

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.jobs.conftest import worker_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_progress_bar_on_a_terminal_only(fixture_path):
    leader, follower = pty.openpty()
    # A terminal 100 columns wide (a fresh pseudo-terminal has none, and tqdm fits to it).
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {**os.environ, "DATABASE_URL": worker_database_url()}
    command = ["manage.py", "import_wordpress", fixture_path("wordpress.xml"), "--dry-run"]
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=follower,
        timeout=120,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    terminal = b"".join(chunks).decode(errors="replace")
    assert done.returncode == 0
    assert "wordpress.xml: 100%" in terminal  # tqdm's bar, by bytes of the file
    assert done.stdout.decode().startswith("Dry run: nothing was written")

    err = io.StringIO()
    call_command("import_wordpress", fixture_path("wordpress.xml"), "--dry-run", stderr=err)
    assert err.getvalue() == ""
